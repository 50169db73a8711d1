"""boto3, unchanged, against a Tributary endpoint: run by test/clients/boto3.test.ts.

Usage: python3 boto3_roundtrip.py ENDPOINT STREAM

Creates STREAM (2 shards), prints "CREATED" and waits for a line on stdin (the test advances the
server's manual clock meanwhile, so the stream turns ACTIVE without anyone sleeping), checks it is
ACTIVE, writes with put_record and put_records, reads every shard back from TRIM_HORIZON, checks
the bytes, and prints one JSON line describing what it wrote and read.
"""

import base64
import json
import sys

import boto3
from botocore.config import Config

endpoint, stream = sys.argv[1], sys.argv[2]
kinesis = boto3.client(
    "kinesis",
    endpoint_url=endpoint,
    region_name="us-east-1",
    aws_access_key_id="AKIDEXAMPLE",
    aws_secret_access_key="secret",
    config=Config(retries={"max_attempts": 1}),
)

kinesis.create_stream(StreamName=stream, ShardCount=2)
print("CREATED", flush=True)
sys.stdin.readline()

summary = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]
assert summary["StreamStatus"] == "ACTIVE", summary

written = {}  # sequence number -> (shard id, data)
one = kinesis.put_record(StreamName=stream, PartitionKey="user-1", Data=b"\x00hello from boto3\xff")
written[one["SequenceNumber"]] = (one["ShardId"], b"\x00hello from boto3\xff")

batch = [
    {"PartitionKey": f"pk-{i}", "Data": bytes(range(i, i + 40)) + f" boto3 record {i}".encode()}
    for i in range(30)
]
many = kinesis.put_records(StreamName=stream, Records=batch)
assert many["FailedRecordCount"] == 0, many
for entry, record in zip(many["Records"], batch):
    written[entry["SequenceNumber"]] = (entry["ShardId"], record["Data"])

shards = kinesis.list_shards(StreamName=stream)["Shards"]
assert [s["ShardId"] for s in shards] == ["shardId-000000000000", "shardId-000000000001"], shards

read = {}
for shard in shards:
    iterator = kinesis.get_shard_iterator(
        StreamName=stream, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    previous = -1
    while True:
        page = kinesis.get_records(ShardIterator=iterator, Limit=1000)
        if not page["Records"]:
            break
        for r in page["Records"]:
            seq = int(r["SequenceNumber"])
            assert seq > previous, (seq, previous)
            previous = seq
            read[r["SequenceNumber"]] = (shard["ShardId"], r["Data"])
        iterator = page["NextShardIterator"]

assert read == written, {"missing": sorted(set(written) - set(read)), "extra": sorted(set(read) - set(written))}

print(
    json.dumps(
        {
            "boto3": boto3.__version__,
            "records": {
                seq: {"shard": shard, "data": base64.b64encode(data).decode()}
                for seq, (shard, data) in sorted(read.items())
            },
        }
    ),
    flush=True,
)
