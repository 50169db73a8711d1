"""Points boto3 clients at Tributary for botocore versions that predate AWS_ENDPOINT_URL.

botocore reads AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> itself since 1.31 (boto3 1.28);
Debian's python3-boto3 (1.26, botocore 1.29) does not, so `boto3.client('s3')` in a handler would
reach AWS. Tributary puts this folder first on a function's PYTHONPATH; Python imports this file at
start-up. It waits for botocore.session to be imported (importing botocore here would cost every
function ~0.2 s of cold start, used or not), then, only if that botocore lacks native support,
gives Session.create_client the endpoint_url the variables name, with botocore's precedence:
an explicit endpoint_url, then AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL;
AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true turns both off.

A sitecustomize found later on sys.path (Debian ships one) still runs: this file imports it.
"""

import os
import sys

# botocore's names for AWS_ENDPOINT_URL_<SERVICE> where they differ from the client's name
# (botocore.utils.CLIENT_NAME_TO_HYPHENIZED_SERVICE_ID_OVERRIDES, the services Tributary serves
# and a few common ones).
_SERVICE_ID_OVERRIDES = {
    "logs": "cloudwatch-logs",
    "events": "eventbridge",
    "dynamodbstreams": "dynamodb-streams",
    "kinesisanalytics": "kinesis-analytics",
    "kinesisanalyticsv2": "kinesis-analytics-v2",
    "secretsmanager": "secrets-manager",
    "stepfunctions": "sfn",
    "apigateway": "api-gateway",
}


def _configured_endpoint(service_name, environ=os.environ):
    if environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() == "true":
        return None
    service_id = _SERVICE_ID_OVERRIDES.get(service_name, service_name)
    name = "AWS_ENDPOINT_URL_" + service_id.replace("-", "_").upper()
    return environ.get(name) or environ.get("AWS_ENDPOINT_URL") or None


def _has_native_support():
    try:
        from botocore.configprovider import BOTOCORE_DEFAUT_SESSION_VARIABLES
    except ImportError:
        return False
    # Added together with the AWS_ENDPOINT_URL lookup (botocore 1.31).
    return "ignore_configured_endpoint_urls" in BOTOCORE_DEFAUT_SESSION_VARIABLES


def _patch(session_module):
    if _has_native_support():
        return
    session_class = session_module.Session
    original = session_class.create_client
    if getattr(original, "_tributary_endpoint", False):
        return

    def create_client(self, service_name, *args, **kwargs):
        # endpoint_url is create_client's 6th parameter (after region_name, api_version,
        # use_ssl, verify); only fill it when the caller passed none either way.
        if len(args) < 5 and kwargs.get("endpoint_url") is None:
            endpoint = _configured_endpoint(service_name)
            if endpoint:
                kwargs["endpoint_url"] = endpoint
        return original(self, service_name, *args, **kwargs)

    create_client._tributary_endpoint = True
    create_client.__doc__ = original.__doc__
    session_class.create_client = create_client


# Plain classes, not importlib.abc's: importing importlib.abc costs ~20 ms at every start.
class _PatchingLoader:
    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        _patch(module)


class _BotocoreSessionFinder:
    """Finds botocore.session through the other finders and patches it once it has run."""

    def find_spec(self, fullname, path, target=None):
        if fullname != "botocore.session":
            return None
        sys.meta_path.remove(self)
        import importlib.util

        spec = importlib.util.find_spec(fullname)
        if spec is not None and spec.loader is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = _PatchingLoader(spec.loader)
        return spec


def _install():
    environ = os.environ
    if not any(name.startswith("AWS_ENDPOINT_URL") for name in environ):
        return
    session_module = sys.modules.get("botocore.session")
    if session_module is not None:
        _patch(session_module)
    else:
        sys.meta_path.insert(0, _BotocoreSessionFinder())


def _chain():
    """Runs the sitecustomize this one hides (the next one on sys.path), if there is one."""
    here = os.path.dirname(os.path.abspath(__file__))
    rest = [p for p in sys.path if os.path.abspath(p or ".") != here]
    import importlib.util
    from importlib.machinery import PathFinder

    spec = PathFinder.find_spec("sitecustomize", rest)
    if spec is None or spec.loader is None or spec.origin == os.path.abspath(__file__):
        return
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)


_install()
_chain()
