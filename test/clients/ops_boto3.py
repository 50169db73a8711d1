"""boto3, unchanged, making the calls the seeds' handlers and scripts make, against a Tributary
endpoint serving examples/event-driven: run by test/clients/ops-scripts.test.ts.

Usage: python3 ops_boto3.py ENDPOINT START END

START and END (ISO 8601) bound the metric and log queries (the pipeline runs on a manual clock).
Prints one JSON line describing what it read and wrote; any failed check raises.
"""

import json
import sys
from datetime import datetime

import boto3
from botocore.config import Config

endpoint, start, end = sys.argv[1], sys.argv[2], sys.argv[3]
session = boto3.session.Session(
    aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret", region_name="us-east-1"
)
config = Config(retries={"max_attempts": 1})
s3 = session.client("s3", endpoint_url=endpoint, config=config)
dynamodb = session.resource("dynamodb", endpoint_url=endpoint, config=config)
sqs = session.client("sqs", endpoint_url=endpoint, config=config)
sns = session.client("sns", endpoint_url=endpoint, config=config)
cloudwatch = session.client("cloudwatch", endpoint_url=endpoint, config=config)
logs = session.client("logs", endpoint_url=endpoint, config=config)
report = {}

# S3: the processor's put_object, the transformer's get_object, a listing script's paginator.
s3.put_object(
    Bucket="processed", Key="ops/boto3.json", Body=b'{"from":"boto3"}', ContentType="application/json"
)
got = s3.get_object(Bucket="processed", Key="ops/boto3.json")
assert got["ContentType"] == "application/json", got["ContentType"]
report["put_object"] = {"key": "ops/boto3.json", "body": got["Body"].read().decode()}
keys = []
for page in s3.get_paginator("list_objects_v2").paginate(
    Bucket="raw", Prefix="events/", PaginationConfig={"PageSize": 1}
):
    keys.extend(o["Key"] for o in page.get("Contents", []))
report["raw_keys"] = keys

# DynamoDB: the Table resource, as the handlers record object metadata.
table = dynamodb.Table("metadata")
table.put_item(
    Item={"object_key": "ops/boto3.json", "bucket": "processed", "status": "MANUAL", "record_count": 1}
)
item = table.get_item(Key={"object_key": "ops/boto3.json"})["Item"]
report["get_item"] = {k: (int(v) if k == "record_count" else v) for k, v in item.items()}
scanned = table.scan()
items = scanned["Items"]
while "LastEvaluatedKey" in scanned:
    scanned = table.scan(ExclusiveStartKey=scanned["LastEvaluatedKey"])
    items.extend(scanned["Items"])
report["metadata_count"] = len(items)

# SQS: a replay script sends to and drains a dead-letter queue.
url = sqs.get_queue_url(QueueName="transformer-failures")["QueueUrl"]
sqs.send_message(
    QueueUrl=url,
    MessageBody="replay me",
    MessageAttributes={"origin": {"DataType": "String", "StringValue": "boto3"}},
)
received = sqs.receive_message(
    QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, MessageAttributeNames=["All"]
)["Messages"]
assert len(received) == 1, received
message = received[0]
sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
report["sqs"] = {
    "body": message["Body"],
    "attributes": {k: v["StringValue"] for k, v in message["MessageAttributes"].items()},
}

# SNS: an alert published to the pipeline's topic.
topic = next(t["TopicArn"] for t in sns.list_topics()["Topics"] if t["TopicArn"].endswith(":alerts"))
report["sns_message_id"] = sns.publish(
    TopicArn=topic,
    Subject="ops check",
    Message="boto3 says hello",
    MessageAttributes={"severity": {"DataType": "String", "StringValue": "info"}},
)["MessageId"]

# CloudWatch: a custom metric, read back.
at = datetime.fromisoformat(start.replace("Z", "+00:00"))
cloudwatch.put_metric_data(
    Namespace="Ops/Checks",
    MetricData=[
        {"MetricName": "Replayed", "Dimensions": [{"Name": "Queue", "Value": "dlq"}], "Value": v, "Unit": "Count", "Timestamp": at}
        for v in (3, 4)
    ],
)
stats = cloudwatch.get_metric_statistics(
    Namespace="Ops/Checks",
    MetricName="Replayed",
    Dimensions=[{"Name": "Queue", "Value": "dlq"}],
    StartTime=at,
    EndTime=datetime.fromisoformat(end.replace("Z", "+00:00")),
    Period=3600,
    Statistics=["Sum"],
)
report["metric_sum"] = sum(d["Sum"] for d in stats["Datapoints"])

# Logs: a function's log lines, as a troubleshooting script filters them.
start_ms = int(at.timestamp() * 1000)
events = logs.filter_log_events(logGroupName="/aws/lambda/generator", startTime=start_ms, filterPattern="REPORT")
report["log_lines"] = len(events["events"])

print(json.dumps(report))
