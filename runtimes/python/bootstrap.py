"""Tributary's Python runtime: the Lambda Runtime API loop, as AWS's awslambdaric runs it.

Standard library only (Python 3.9+), so a function runs on any python3 without installing
anything. Started by Tributary as `python bootstrap.py` with the code directory as cwd and
Lambda's environment (AWS_LAMBDA_RUNTIME_API, _HANDLER, LAMBDA_TASK_ROOT, AWS_LAMBDA_*).

What a handler sees follows Lambda's Python runtime: the `context` object's fields, the root
logger's format, the error shape posted for an exception ({errorMessage, errorType, requestId,
stackTrace}), the init error types (Runtime.ImportModuleError, Runtime.HandlerNotFound,
Runtime.UserCodeSyntaxError, Runtime.MalformedHandlerName) and Runtime.MarshalError for a result
json cannot encode.
"""

import decimal
import http.client
import importlib
import json
import logging
import os
import sys
import time
import traceback

_BASE = "/2018-06-01/runtime"
_ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"
_LOG_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s"
# AWS_LAMBDA_LOG_LEVEL takes Lambda's level names; Python's logging spells two of them differently.
_LOG_LEVELS = {
    "TRACE": logging.DEBUG,
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "WARN": logging.WARNING,
    "WARNING": logging.WARNING,
    "ERROR": logging.ERROR,
    "FATAL": logging.CRITICAL,
    "CRITICAL": logging.CRITICAL,
}

# Lambda's advanced logging controls: AWS_LAMBDA_LOG_FORMAT=JSON makes every logging record and
# the error of a failed invocation one JSON object per line.
_JSON_LOGS = os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON"
# LogRecord attributes that are not a record's `extra` fields (awslambdaric's list).
_RESERVED = {
    "name", "msg", "args", "levelname", "levelno", "pathname", "filename", "module", "exc_info",
    "exc_text", "stack_info", "lineno", "funcName", "created", "msecs", "relativeCreated", "thread",
    "threadName", "processName", "process", "aws_request_id", "taskName",
}

_request_id = ""


class _Fault(Exception):
    """An error of the runtime itself (not the handler's), with Lambda's error type."""

    def __init__(self, error_type, message, trace=None):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.trace = trace


class _RuntimeClient:
    """One persistent HTTP/1.1 connection to the Runtime API: a warm invoke costs two requests."""

    def __init__(self, address):
        host, _, port = address.rpartition(":")
        self._host = host or "127.0.0.1"
        self._port = int(port)
        self._conn = None

    def _request(self, method, path, body=None, headers=None):
        # A connection the server closed while idle is opened again once; a second failure is real.
        for attempt in (0, 1):
            if self._conn is None:
                self._conn = http.client.HTTPConnection(self._host, self._port)
            try:
                self._conn.request(method, path, body=body, headers=headers or {})
                response = self._conn.getresponse()
                data = response.read()
                return response, data
            except (http.client.HTTPException, ConnectionError):
                self._conn.close()
                self._conn = None
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def next(self):
        response, body = self._request("GET", _BASE + "/invocation/next")
        if response.status != 200:
            raise RuntimeError("Runtime API /invocation/next answered %d" % response.status)
        return response.headers, body

    def respond(self, request_id, body, content_type):
        self._post(
            "/invocation/%s/response" % request_id, body, {"Content-Type": content_type}
        )

    def error(self, path, error, error_type):
        body = json.dumps(error).encode("utf-8")
        self._post(path, body, {"Content-Type": "application/json", _ERROR_TYPE_HEADER: error_type})

    def _post(self, path, body, headers):
        response, data = self._request("POST", _BASE + path, body, headers)
        # 413 (payload too large) and 400 are answered for a response Lambda also refuses; the
        # invocation is then the server's to fail, and the loop goes on.
        if response.status >= 500:
            raise RuntimeError("Runtime API %s answered %d: %s" % (path, response.status, data[:200]))


class _ClientContext:
    __slots__ = ["custom", "env", "client"]


class _Client:
    __slots__ = [
        "installation_id",
        "app_title",
        "app_version_name",
        "app_version_code",
        "app_package_name",
    ]


class _CognitoIdentity:
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]


def _from_dict(cls, values):
    if values is None:
        return None
    obj = cls()
    for field in cls.__slots__:
        setattr(obj, field, values.get(field))
    return obj


class LambdaContext:
    """Lambda's Python `context` (the fields and method awslambdaric's LambdaContext has)."""

    def __init__(self, request_id, deadline_ms, function_arn, client_context, identity):
        env = os.environ
        self.aws_request_id = request_id
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME")
        # A string, as on Lambda (read from the environment there too).
        self.memory_limit_in_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = function_arn
        self.client_context = _from_dict(_ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = _from_dict(_Client, self.client_context.client)
        self.identity = _from_dict(_CognitoIdentity, {})
        if identity is not None:
            self.identity.cognito_identity_id = identity.get("cognitoIdentityId")
            self.identity.cognito_identity_pool_id = identity.get("cognitoIdentityPoolId")
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        remaining = self._deadline_ms - int(time.time() * 1000)
        return remaining if remaining > 0 else 0

    def log(self, message):
        sys.stdout.write(str(message))

    def __repr__(self):
        return (
            "LambdaContext([aws_request_id=%s,log_group_name=%s,log_stream_name=%s,"
            "function_name=%s,memory_limit_in_mb=%s,function_version=%s,"
            "invoked_function_arn=%s,client_context=%s,identity=%s])"
            % (
                self.aws_request_id,
                self.log_group_name,
                self.log_stream_name,
                self.function_name,
                self.memory_limit_in_mb,
                self.function_version,
                self.invoked_function_arn,
                self.client_context,
                self.identity,
            )
        )


class _RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = _request_id
        return True


class _JsonFormatter(logging.Formatter):
    """The JSON object Lambda's Python runtime writes per record with the JSON log format."""

    def format(self, record):
        level = min(50, max(0, record.levelno)) // 10 * 10
        exc = record.exc_info
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        result = {
            "timestamp": "%s.%03dZ" % (stamp, int(record.msecs)),
            "level": logging.getLevelName(level),
            "message": record.getMessage(),
            "logger": record.name,
            "stackTrace": traceback.format_tb(exc[2]) if exc else None,
            "errorType": exc[0].__name__ if exc else None,
            "errorMessage": str(exc[1]) if exc else None,
            "requestId": getattr(record, "aws_request_id", None),
            "location": "%s:%s:%s" % (record.pathname, record.funcName, record.lineno) if exc else None,
        }
        for key, value in record.__dict__.items():
            if key not in _RESERVED and key not in result and not key.startswith("_"):
                result[key] = value
        return json.dumps({k: v for k, v in result.items() if v is not None}, default=str)


def _setup_logging():
    logging.Formatter.converter = time.gmtime
    handler = logging.StreamHandler(sys.stdout)
    if _JSON_LOGS:
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(_LOG_FORMAT, "%Y-%m-%dT%H:%M:%S"))
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    # With the JSON format Lambda sets the application log level (INFO unless configured).
    default = "INFO" if _JSON_LOGS else ""
    level = _LOG_LEVELS.get(os.environ.get("AWS_LAMBDA_LOG_LEVEL", default).upper())
    if level is not None:
        root.setLevel(level)


def _load_handler(spec):
    try:
        module_name, function_name = spec.rsplit(".", 1)
    except ValueError as e:
        raise _Fault("Runtime.MalformedHandlerName", "Bad handler '%s': %s" % (spec, e))
    if module_name.split(".")[0] in sys.builtin_module_names:
        raise _Fault(
            "Runtime.BuiltInModuleConflict",
            "Cannot use built-in module %s as a handler module" % module_name,
        )
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as e:
        raise _Fault(
            "Runtime.ImportModuleError",
            "Unable to import module '%s': %s" % (module_name, e),
        )
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise _Fault(
            "Runtime.UserCodeSyntaxError",
            "Syntax error in module '%s': %s" % (module_name, e),
            trace,
        )
    try:
        return getattr(module, function_name)
    except AttributeError:
        raise _Fault(
            "Runtime.HandlerNotFound",
            "Handler '%s' missing on module '%s'" % (function_name, module_name),
        )


def _user_frames(tb):
    """The traceback without this file's own frames on top, as Lambda shows it."""
    frames = traceback.extract_tb(tb)
    for i, frame in enumerate(frames):
        if not frame.filename.endswith("/bootstrap.py"):
            return traceback.format_list(frames[i:])
    return traceback.format_list(frames)


def _error(message, error_type, stack_trace, request_id=""):
    return {
        "errorMessage": message or "",
        "errorType": error_type or "",
        "requestId": request_id,
        "stackTrace": stack_trace or [],
    }


def _error_from_exception(exc, request_id=""):
    if isinstance(exc, _Fault):
        return _error(exc.message, exc.error_type, exc.trace, request_id)
    return _error(str(exc), type(exc).__name__, _user_frames(exc.__traceback__), request_id)


def _log_error(error):
    if _JSON_LOGS:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
        sys.stderr.write(json.dumps(dict({"timestamp": stamp, "level": "ERROR"}, **error)) + "\n")
        return
    # Lambda's text format: "[ERROR] Type: message", then the traceback's lines.
    line = "[ERROR]"
    if error["errorType"]:
        line += " " + error["errorType"]
    if error["errorMessage"]:
        line += (":" if error["errorType"] else "") + " " + error["errorMessage"]
    lines = [line, "Traceback (most recent call last):"]
    for element in error["stackTrace"]:
        lines.extend(element.splitlines() if element else [""])
    sys.stderr.write("\n".join(lines) + "\n")


def _json_default(value):
    # boto3's DynamoDB resource hands out Decimals; Lambda's runtime writes them as numbers.
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError("Object of type %s is not JSON serializable" % type(value).__name__)


def _marshal(result):
    if isinstance(result, (bytes, bytearray)):
        return bytes(result), "application/unknown"
    try:
        return json.dumps(result, default=_json_default).encode("utf-8"), "application/json"
    except Exception as e:
        raise _Fault("Runtime.MarshalError", "Unable to marshal response: %s" % e)


def _parse_header_json(value, name):
    if not value:
        return None
    try:
        return json.loads(value)
    except ValueError as e:
        raise _Fault(
            "Runtime.LambdaContextUnmarshalError", "Unable to parse %s JSON: %s" % (name, e)
        )


def _invoke(client, handler, headers, body):
    global _request_id
    request_id = headers.get("Lambda-Runtime-Aws-Request-Id", "")
    _request_id = request_id
    trace_id = headers.get("Lambda-Runtime-Trace-Id")
    if trace_id is not None:
        os.environ["_X_AMZN_TRACE_ID"] = trace_id
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)
    try:
        context = LambdaContext(
            request_id,
            int(headers.get("Lambda-Runtime-Deadline-Ms") or 0),
            headers.get("Lambda-Runtime-Invoked-Function-Arn"),
            _parse_header_json(headers.get("Lambda-Runtime-Client-Context"), "Client Context"),
            _parse_header_json(headers.get("Lambda-Runtime-Cognito-Identity"), "Cognito Identity"),
        )
        try:
            event = json.loads(body) if body else None
        except ValueError as e:
            raise _Fault("Runtime.UnmarshalError", "Unable to unmarshal input: %s" % e)
        payload, content_type = _marshal(handler(event, context))
    except Exception as e:
        error = _error_from_exception(e, request_id)
        _log_error(error)
        client.error("/invocation/%s/error" % request_id, error, error["errorType"])
        return
    client.respond(request_id, payload, content_type)


def main():
    # Python put this file's folder first on sys.path; a user module must not collide with it.
    here = os.path.dirname(os.path.abspath(__file__))
    if sys.path and os.path.abspath(sys.path[0] or ".") == here:
        del sys.path[0]
    client = _RuntimeClient(os.environ["AWS_LAMBDA_RUNTIME_API"])
    _setup_logging()
    try:
        handler = _load_handler(os.environ.get("_HANDLER", ""))
    except Exception as e:
        error = _error_from_exception(e)
        _log_error(error)
        client.error("/init/error", error, error["errorType"])
        sys.exit(1)
    try:
        while True:
            headers, body = client.next()
            _invoke(client, handler, headers, body)
    except (ConnectionError, http.client.HTTPException):
        # Tributary stopped (or restarts this process): no one is left to report to.
        sys.exit(0)


if __name__ == "__main__":
    main()
