"""Seed 001's S3 transformer, for Lambda's python3.12 runtime with boto3.

Started by the raw bucket's object-created notification: reads the raw NDJSON object, enriches
each event (category, amount in USD, high-value flag, date and hour), writes the result under the
same key to the processed bucket and marks the object PROCESSED in the metadata table. An object
it cannot transform is marked FAILED and the invocation fails: Lambda retries it twice, then the S3
event goes to the function's dead-letter queue and Lambda's invocation record (with the error) to
its on-failure destination.

Resource names come from the environment: PROCESSED_BUCKET and METADATA_TABLE.
"""

import json
import logging
import os
import urllib.parse
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal

import boto3

logger = logging.getLogger()
logger.setLevel(logging.INFO)
# botocore logs every client's credential and endpoint lookup at INFO.
logging.getLogger("botocore").setLevel(logging.WARNING)

PROCESSED_BUCKET = os.environ["PROCESSED_BUCKET"]
METADATA_TABLE = os.environ["METADATA_TABLE"]

s3 = boto3.client("s3")
metadata = boto3.resource("dynamodb").Table(METADATA_TABLE)

# Fixed rates for the example (a real pipeline would look them up).
TO_USD = {"USD": Decimal("1"), "EUR": Decimal("1.08"), "GBP": Decimal("1.27")}
CATEGORY = {
    "user_signup": "account",
    "order_placed": "commerce",
    "payment_processed": "commerce",
    "item_shipped": "fulfilment",
}
HIGH_VALUE_USD = Decimal("500")
CENT = Decimal("0.01")


def enrich(event, source_object, processed_at):
    """One raw event, flattened, categorised, converted to USD and flagged."""
    at = datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00")).astimezone(timezone.utc)
    payload = event.get("payload") or {}
    amount_usd = None
    if payload.get("amount") is not None:
        rate = TO_USD.get(payload.get("currency"))
        if rate is None:
            raise ValueError(f"event {event['event_id']}: unknown currency {payload.get('currency')!r}")
        amount_usd = (Decimal(str(payload["amount"])) * rate).quantize(CENT, rounding=ROUND_HALF_UP)
    return {
        "event_id": event["event_id"],
        "event_type": event["event_type"],
        "category": CATEGORY.get(event["event_type"], "other"),
        "user_id": event["user_id"],
        "timestamp": event["timestamp"],
        "event_date": at.date().isoformat(),
        "event_hour": at.hour,
        "amount_usd": float(amount_usd) if amount_usd is not None else None,
        "is_high_value": amount_usd is not None and amount_usd >= HIGH_VALUE_USD,
        "source": event.get("source"),
        "item_count": payload.get("item_count"),
        "source_object": source_object,
        "processed_at": processed_at,
    }


def transform(bucket, key):
    """Reads, enriches and writes one object; returns how many events it holds."""
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
    processed_at = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    out = []
    for number, line in enumerate(body.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            out.append(enrich(json.loads(line), f"{bucket}/{key}", processed_at))
        except KeyError as error:
            raise ValueError(f"line {number}: no {error} field") from error
        except (ValueError, TypeError) as error:
            raise ValueError(f"line {number}: {error}") from error
    s3.put_object(
        Bucket=PROCESSED_BUCKET,
        Key=key,
        Body="".join(json.dumps(e, separators=(",", ":")) + "\n" for e in out).encode("utf-8"),
        ContentType="application/x-ndjson",
        Metadata={"source-object": f"{bucket}/{key}"[:1024], "record-count": str(len(out))},
    )
    metadata.update_item(
        Key={"object_key": key},
        UpdateExpression="SET #status = :done, processed_key = :key, processed_count = :n, processed_at = :at",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={":done": "PROCESSED", ":key": key, ":n": len(out), ":at": processed_at},
    )
    return len(out)


def lambda_handler(event, context):
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        # S3 event keys are URL-encoded, spaces as '+'.
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        try:
            count = transform(bucket, key)
        except Exception as error:
            logger.error("%s: %s", key, error)
            metadata.update_item(
                Key={"object_key": key},
                UpdateExpression="SET #status = :failed, #error = :error, #bucket = :bucket",
                ExpressionAttributeNames={"#status": "status", "#error": "error", "#bucket": "bucket"},
                ExpressionAttributeValues={":failed": "FAILED", ":error": str(error), ":bucket": bucket},
            )
            raise
        logger.info("%s: %d events transformed", key, count)
