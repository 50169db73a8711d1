#!/usr/bin/env python3
"""Puts sample events on the pipeline's Kinesis stream with boto3 (seed 001's data producer).

    python3 producer.py --count 50                       # to http://127.0.0.1:4567
    python3 producer.py --count 200 --seed 7 --time 2026-11-23T10:00:00Z --print

Events are sign-ups, orders, payments and shipments, keyed by user, half a second apart from
--time (default: now). --seed makes the batch reproducible; --print writes each event sent to
stdout, one JSON per line. The endpoint is --endpoint-url, else AWS_ENDPOINT_URL, else Tributary's
default: boto3 before 1.28 (Debian's 1.26) does not read AWS_ENDPOINT_URL itself.
"""

import argparse
import json
import os
import random
import sys
import uuid
from datetime import datetime, timedelta, timezone

import boto3
from botocore.exceptions import BotoCoreError, ClientError

TYPES = ["user_signup", "order_placed", "payment_processed", "item_shipped"]
SOURCES = ["web", "mobile", "pos"]
CURRENCIES = ["USD", "EUR", "GBP"]


def generate(count, seed, base):
    rng = random.Random(seed)
    for i in range(count):
        event_type = rng.choice(TYPES)
        if event_type == "user_signup":
            payload = {"plan": rng.choice(["free", "plus", "pro"])}
        elif event_type == "item_shipped":
            payload = {"item_count": rng.randint(1, 5)}
        else:
            payload = {
                "amount": round(rng.uniform(1, 1200), 2),
                "currency": rng.choice(CURRENCIES),
                "item_count": rng.randint(1, 5),
            }
        at = base + timedelta(milliseconds=500 * i)
        yield {
            "event_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "event_type": event_type,
            "user_id": f"user-{rng.randint(100, 999)}",
            "timestamp": at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "source": rng.choice(SOURCES),
            "payload": payload,
        }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stream", default="events")
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--time", help="ISO 8601 time of the first event (default: now)")
    parser.add_argument("--endpoint-url", default=os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:4567"))
    parser.add_argument("--region", default=os.environ.get("AWS_REGION", "us-east-1"))
    parser.add_argument("--print", action="store_true", help="write each event sent to stdout")
    args = parser.parse_args()

    base = datetime.now(timezone.utc)
    if args.time:
        base = datetime.fromisoformat(args.time.replace("Z", "+00:00")).astimezone(timezone.utc)
    kinesis = boto3.client("kinesis", endpoint_url=args.endpoint_url, region_name=args.region)
    events = list(generate(args.count, args.seed, base))
    failed = 0
    for start in range(0, len(events), 500):  # PutRecords takes at most 500 records
        chunk = events[start : start + 500]
        out = kinesis.put_records(
            StreamName=args.stream,
            Records=[{"Data": json.dumps(e).encode(), "PartitionKey": e["user_id"]} for e in chunk],
        )
        failed += out["FailedRecordCount"]
        if args.print:
            for event, result in zip(chunk, out["Records"]):
                if "ErrorCode" not in result:
                    print(json.dumps(event))
    print(f"put {len(events) - failed} events on {args.stream} ({failed} failed)", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (BotoCoreError, ClientError) as error:
        print(f"producer.py: {error}", file=sys.stderr)
        print("hint: is `npx tributary dev examples/event-driven-python` running?", file=sys.stderr)
        sys.exit(1)
