"""A load against moto publishes the catalogue's metrics to CloudWatch
(`load --cloudwatch-metrics`), read back with ListMetrics and GetMetricData,
and the template's failure-rate alarm, created from infra/monitoring.yaml,
goes to ALARM once more than 1% of the rows are dead-lettered.

moto stores alarms but never evaluates them, and its GetMetricData does not
compute metric-math expressions: the test runs the alarm's own queries, applies
its own expression, threshold and comparison, and records the verdict with
SetAlarmState, so what is checked is the template's alarm against the code's
metrics (CloudWatch's evaluation engine itself is AWS's)."""
import datetime
import json
import os
import re
import subprocess

import pytest

import cfn

TABLE = "MetricsCheck"


@pytest.fixture(scope="module")
def loaded(billmig, moto_endpoint, tmp_path_factory):
    env = dict(os.environ, AWS_ENDPOINT_URL=moto_endpoint, AWS_ACCESS_KEY_ID="testing",
               AWS_SECRET_ACCESS_KEY="testing", AWS_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true")
    staged = tmp_path_factory.mktemp("staged")

    def run(*arguments, ok=(0,)):
        result = subprocess.run([billmig, *arguments], capture_output=True, text=True, env=env)
        assert result.returncode in ok, f"billmig {' '.join(arguments)}: exit {result.returncode}: {result.stderr}"
        return result.stdout

    run("generate", "--accounts", "5", "--seed", "7", "--bad-rows", "60", "--to", str(staged))
    run("table", "create", "--table", TABLE, "--quiet")
    # Exit 3: finished with dead-lettered rows (the malformed ones).
    summary = json.loads(run("load", "--from", str(staged), "--table", TABLE, "--state", str(staged / "_state"),
                             "--cloudwatch-metrics", "--quiet", "--json", ok=(3,)))
    return summary


def _sum(cloudwatch, name, dimensions):
    now = datetime.datetime.now(datetime.timezone.utc)
    result = cloudwatch.get_metric_data(
        MetricDataQueries=[{"Id": "m", "MetricStat": {"Metric": {"Namespace": "Billmig", "MetricName": name, "Dimensions": dimensions},
                                                      "Period": 60, "Stat": "Sum"}}],
        StartTime=now - datetime.timedelta(minutes=10), EndTime=now + datetime.timedelta(minutes=1))
    return sum(result["MetricDataResults"][0]["Values"])


def test_a_load_publishes_its_counts_per_table_and_entity(loaded, aws):
    cloudwatch = aws("cloudwatch")
    total = loaded["total"]
    assert total["deadLettered"] > 0 and total["rowsRead"] > 0
    metrics = cloudwatch.list_metrics(Namespace="Billmig")["Metrics"]
    published = {(m["MetricName"], tuple(sorted(d["Name"] for d in m["Dimensions"]))) for m in metrics
                 if {"Name": "Table", "Value": TABLE} in m["Dimensions"]}
    for name in ("RowsRead", "ItemsWritten", "RowsDeadLettered"):
        assert (name, ("Table",)) in published and (name, ("Entity", "Table")) in published, name
    table = [{"Name": "Table", "Value": TABLE}]
    assert _sum(cloudwatch, "RowsRead", table) == total["rowsRead"]
    assert _sum(cloudwatch, "ItemsWritten", table) == total["itemsWritten"]
    assert _sum(cloudwatch, "RowsDeadLettered", table) == total["deadLettered"]
    for entity in loaded["entities"]:
        dimensions = table + [{"Name": "Entity", "Value": entity["entity"]}]
        assert _sum(cloudwatch, "RowsRead", dimensions) == entity["rowsRead"], entity["entity"]


def _resolve(value, values):
    if isinstance(value, dict):
        if set(value) == {"Ref"}:
            return values[value["Ref"]]
        return {k: _resolve(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, values) for v in value]
    return value


def test_the_failure_rate_alarm_goes_to_alarm_past_one_percent(loaded, aws):
    cloudwatch, sns = aws("cloudwatch"), aws("sns")
    topic = sns.create_topic(Name="billmig-metrics-check")["TopicArn"]
    alarm = cfn.resources("monitoring")["MigrationFailureRateAlarm"]["Properties"]
    alarm = _resolve(alarm, {"MetricsNamespace": "Billmig", "TableName": TABLE, "AlarmTopic": topic})
    cloudwatch.put_metric_alarm(AlarmName="MigrationFailureRate", **alarm)
    stored = cloudwatch.describe_alarms(AlarmNames=["MigrationFailureRate"])["MetricAlarms"][0]
    assert stored["StateValue"] in ("INSUFFICIENT_DATA", "OK")

    # The alarm's own queries and expression over what billmig published.
    now = datetime.datetime.now(datetime.timezone.utc)
    queries = [q for q in stored["Metrics"] if "MetricStat" in q]
    results = cloudwatch.get_metric_data(
        MetricDataQueries=[{"Id": q["Id"], "MetricStat": q["MetricStat"]} for q in queries],
        StartTime=now - datetime.timedelta(minutes=10), EndTime=now + datetime.timedelta(minutes=1))["MetricDataResults"]
    values = {r["Id"]: sum(r["Values"]) for r in results}
    expression = next(q["Expression"] for q in stored["Metrics"] if q.get("ReturnData"))
    assert re.fullmatch(r"[\w\s*/+\-.()]+", expression)
    percent = eval(expression, {"__builtins__": {}}, values)
    total = loaded["total"]
    assert percent == pytest.approx(100 * total["deadLettered"] / total["rowsRead"])
    assert stored["ComparisonOperator"] == "GreaterThanThreshold"
    breaching = percent > stored["Threshold"]
    assert breaching, f"{percent:.2f}% dead-lettered should breach the {stored['Threshold']}% threshold"
    cloudwatch.set_alarm_state(AlarmName="MigrationFailureRate", StateValue="ALARM",
                               StateReason=f"{percent:.2f}% of rows dead-lettered > {stored['Threshold']}%")
    state = cloudwatch.describe_alarms(AlarmNames=["MigrationFailureRate"])["MetricAlarms"][0]
    assert state["StateValue"] == "ALARM" and state["AlarmActions"] == [topic]
