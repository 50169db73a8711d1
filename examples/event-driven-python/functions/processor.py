"""Seed 001's Kinesis processor, for Lambda's python3.12 runtime with boto3.

Each record is decoded and validated. A record that is not a valid event is sent, with the
reason, to the dead-letter queue (INVALID_QUEUE): retrying it would never help. Valid events are
grouped by event type and hour (of the event's own time) and each group becomes one NDJSON object
in the raw bucket, under

    events/event_type=<type>/year=YYYY/month=MM/day=DD/hour=HH/<shard>-<first seq>-<last seq>.json

after its row in the metadata table (status RAW); the object's creation triggers the transformer.
A group whose writes fail is reported in the partial batch response, so Lambda retries from its
first record and the records before it are not processed again; what still fails after the
mapping's retries goes to its on-failure destination.

Resource names come from the environment, as Terraform outputs would give them on AWS:
RAW_BUCKET, METADATA_TABLE and INVALID_QUEUE (a queue name or URL).
"""

import base64
import json
import logging
import os
import re
from datetime import datetime, timezone

import boto3

logger = logging.getLogger()
logger.setLevel(logging.INFO)
# botocore logs every client's credential and endpoint lookup at INFO.
logging.getLogger("botocore").setLevel(logging.WARNING)

RAW_BUCKET = os.environ["RAW_BUCKET"]
METADATA_TABLE = os.environ["METADATA_TABLE"]
INVALID_QUEUE = os.environ["INVALID_QUEUE"]

# Clients are made once per execution environment, at init, and reused by every invocation.
s3 = boto3.client("s3")
sqs = boto3.client("sqs")
metadata = boto3.resource("dynamodb").Table(METADATA_TABLE)

# Event types are open-ended (a new producer may add one); they become a partition value, so they
# must be safe in an S3 key.
EVENT_TYPE = re.compile(r"^[a-z][a-z0-9_]*$")
REQUIRED = ("event_id", "event_type", "user_id", "timestamp")

_queue_url = None


class InvalidEvent(ValueError):
    """A record that can never be processed: it goes to the dead-letter queue."""


def queue_url():
    """INVALID_QUEUE as a URL (looked up once when it is a name)."""
    global _queue_url
    if _queue_url is None:
        if INVALID_QUEUE.startswith(("http://", "https://")):
            _queue_url = INVALID_QUEUE
        else:
            _queue_url = sqs.get_queue_url(QueueName=INVALID_QUEUE)["QueueUrl"]
    return _queue_url


def parse_time(text):
    """An ISO 8601 timestamp as an aware UTC datetime (a naive one is taken as UTC)."""
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidEvent(f"timestamp {text!r} is not ISO 8601") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return at.astimezone(timezone.utc)


def decode(record):
    """The event a Kinesis record carries, with its time; raises InvalidEvent."""
    raw = base64.b64decode(record["kinesis"]["data"])
    try:
        event = json.loads(raw)
    except ValueError:
        raise InvalidEvent("not JSON") from None
    if not isinstance(event, dict):
        raise InvalidEvent("not a JSON object")
    missing = [name for name in REQUIRED if not isinstance(event.get(name), str) or not event[name]]
    if missing:
        raise InvalidEvent(f"missing or not a string: {', '.join(missing)}")
    if not EVENT_TYPE.match(event["event_type"]):
        raise InvalidEvent(f"event_type {event['event_type'][:40]!r} is not a lower-case identifier")
    return event, parse_time(event["timestamp"])


def partition_of(event_type, at):
    return f"events/event_type={event_type}/year={at:%Y}/month={at:%m}/day={at:%d}/hour={at:%H}/"


def dead_letter(record, reason):
    """Parks an invalid record with why, where it came from and its data as received."""
    kinesis = record["kinesis"]
    body = {
        "reason": reason,
        "eventSourceARN": record.get("eventSourceARN"),
        "shardId": record["eventID"].split(":")[0],
        "sequenceNumber": kinesis["sequenceNumber"],
        "partitionKey": kinesis["partitionKey"],
        "approximateArrivalTimestamp": kinesis["approximateArrivalTimestamp"],
        "data": kinesis["data"],
    }
    sqs.send_message(
        QueueUrl=queue_url(),
        MessageBody=json.dumps(body),
        MessageAttributes={"reason": {"DataType": "String", "StringValue": reason[:256]}},
    )


def write_group(key, event_type, records, lines):
    """The group's metadata row (RAW), then its object (whose creation starts the transformer)."""
    first, last = records[0]["kinesis"], records[-1]["kinesis"]
    shard_id = records[0]["eventID"].split(":")[0]
    metadata.put_item(
        Item={
            "object_key": key,
            "bucket": RAW_BUCKET,
            "status": "RAW",
            "event_type": event_type,
            "record_count": len(lines),
            "shard_id": shard_id,
            "first_sequence": first["sequenceNumber"],
            "last_sequence": last["sequenceNumber"],
            "created_at": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
        }
    )
    try:
        put_object(key, event_type, shard_id, first, last, lines)
    except Exception as error:
        # The row says why the object is missing; a retry that succeeds puts it back to RAW.
        metadata.update_item(
            Key={"object_key": key},
            UpdateExpression="SET #status = :failed, #error = :error",
            ExpressionAttributeNames={"#status": "status", "#error": "error"},
            ExpressionAttributeValues={":failed": "FAILED", ":error": str(error)[:1000]},
        )
        raise


def put_object(key, event_type, shard_id, first, last, lines):
    s3.put_object(
        Bucket=RAW_BUCKET,
        Key=key,
        Body="".join(f"{line}\n" for line in lines).encode("utf-8"),
        ContentType="application/x-ndjson",
        Metadata={
            "event-type": event_type,
            "record-count": str(len(lines)),
            "shard-id": shard_id,
            "first-sequence": first["sequenceNumber"],
            "last-sequence": last["sequenceNumber"],
        },
    )


def lambda_handler(event, context):
    groups = {}
    failures = []
    invalid = 0
    for record in event["Records"]:
        sequence = record["kinesis"]["sequenceNumber"]
        try:
            parsed, at = decode(record)
        except InvalidEvent as error:
            logger.warning("record %s: %s", sequence, error)
            try:
                dead_letter(record, str(error))
                invalid += 1
            except Exception as send_error:  # noqa: BLE001 - not parked: Lambda retries it
                logger.error("record %s: could not dead-letter it: %s", sequence, send_error)
                failures.append(sequence)
            continue
        event_type = parsed["event_type"]
        records, lines = groups.setdefault((partition_of(event_type, at), event_type), ([], []))
        records.append(record)
        lines.append(json.dumps(parsed, separators=(",", ":")))

    written = objects = 0
    for (prefix, event_type), (records, lines) in groups.items():
        first, last = records[0]["kinesis"]["sequenceNumber"], records[-1]["kinesis"]["sequenceNumber"]
        shard_id = records[0]["eventID"].split(":")[0]
        key = f"{prefix}{shard_id}-{first}-{last}.json"
        try:
            write_group(key, event_type, records, lines)
        except Exception as error:  # noqa: BLE001 - any failed write is retried by Lambda
            logger.error("could not write %d record(s) of %s: %s", len(records), key[:120], error)
            failures.extend(r["kinesis"]["sequenceNumber"] for r in records)
            continue
        written += len(records)
        objects += 1

    logger.info(
        "%d records: %d written in %d object(s), %d invalid, %d failed",
        len(event["Records"]),
        written,
        objects,
        invalid,
        len(failures),
    )
    # Lambda retries from the lowest sequence number reported (ReportBatchItemFailures).
    return {"batchItemFailures": [{"itemIdentifier": sequence} for sequence in failures]}
