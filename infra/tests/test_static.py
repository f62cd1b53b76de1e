"""What the templates take from the code: the rendered files are current, the
DMS endpoint writes what the loader reads, every role allows exactly what its
component's clients call, every alarm watches a metric the code publishes."""
import json
import subprocess

import pytest

import cfn


def _run(billmig, *arguments):
    result = subprocess.run([billmig, *arguments], capture_output=True, text=True)
    assert result.returncode == 0, f"billmig {' '.join(arguments)} failed: {result.stderr}"
    return result.stdout


def test_generated_files_are_what_render_writes_now(billmig, tmp_path):
    _run(billmig, "infra", "render", "--out", str(tmp_path))
    for path in sorted(tmp_path.iterdir()):
        committed = cfn.GENERATED / path.name
        assert committed.exists(), f"infra/generated/{path.name} is missing: run billmig infra render --out infra/generated"
        assert committed.read_text() == path.read_text(), (
            f"infra/generated/{path.name} differs from the code: run billmig infra render --out infra/generated and commit it")


def test_dms_target_writes_exactly_the_csv_the_loader_reads():
    settings = cfn.resources("dms")["TargetEndpoint"]["Properties"]["S3Settings"]
    rendered = json.loads((cfn.GENERATED / "dms-s3-settings.json").read_text())
    wiring = {"BucketName", "BucketFolder", "ServiceAccessRoleArn", "EncryptionMode", "ServerSideEncryptionKmsKeyId"}
    csv = {k: v for k, v in settings.items() if k not in wiring}
    assert csv == rendered, "infra/dms.yaml S3Settings differ from dms-s3-settings.json (the loader's settings)"


def _policy_actions(role):
    actions = set()
    for policy in role["Properties"].get("Policies", []):
        for statement in policy["PolicyDocument"]["Statement"]:
            assert statement["Effect"] == "Allow"
            listed = statement["Action"]
            actions.update([listed] if isinstance(listed, str) else listed)
    return actions


@pytest.fixture(scope="module")
def components(billmig):
    return json.loads(_run(billmig, "infra", "actions", "--json"))


def test_every_role_allows_each_action_its_component_calls_and_no_more(components):
    roles = cfn.resources("iam", "AWS::IAM::Role")
    assert components, "billmig infra actions printed no component"
    for component in components:
        role = roles.get(component["role"])
        assert role, f"infra/iam.yaml has no role {component['role']} for component {component['component']}"
        granted = {a for a in _policy_actions(role) if a.split(":")[0] in ("dynamodb", "s3", "sqs", "cloudwatch", "ec2", "directconnect")}
        needed = set(component["actions"])
        assert not needed - granted, f"{component['role']} lacks {sorted(needed - granted)} that {component['component']} calls"
        assert not granted - needed, f"{component['role']} allows {sorted(granted - needed)} that {component['component']} never calls"


def test_metrics_are_only_allowed_into_the_codes_namespace(billmig):
    namespace = json.loads(_run(billmig, "infra", "metrics", "--json"))[0]["namespace"]
    template = cfn.load("iam")
    assert template["Parameters"]["MetricsNamespace"]["Default"] == namespace
    for role in cfn.resources("iam", "AWS::IAM::Role").values():
        for policy in role["Properties"].get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                if "cloudwatch:PutMetricData" in statement["Action"]:
                    assert statement["Condition"] == {"StringEquals": {"cloudwatch:namespace": {"Ref": "MetricsNamespace"}}}


def _alarm_metrics(alarm):
    properties = alarm["Properties"]
    if "MetricName" in properties:
        yield properties["Namespace"], properties["MetricName"], properties.get("Dimensions", [])
    for query in properties.get("Metrics", []):
        if "MetricStat" in query:
            metric = query["MetricStat"]["Metric"]
            yield metric["Namespace"], metric["MetricName"], metric.get("Dimensions", [])


def test_every_alarm_on_billmig_metrics_watches_a_metric_the_code_publishes(billmig):
    catalogue = {m["name"]: m for m in json.loads(_run(billmig, "infra", "metrics", "--json"))}
    template = cfn.load("monitoring")
    assert template["Parameters"]["MetricsNamespace"]["Default"] == next(iter(catalogue.values()))["namespace"]
    alarms = cfn.resources("monitoring", "AWS::CloudWatch::Alarm")
    checked = 0
    for logical_id, alarm in alarms.items():
        for namespace, name, dimensions in _alarm_metrics(alarm):
            if namespace != {"Ref": "MetricsNamespace"}:
                assert isinstance(namespace, str) and namespace.startswith("AWS/"), f"{logical_id}: unknown namespace {namespace}"
                continue
            assert name in catalogue, f"{logical_id} watches {name}, which billmig never publishes"
            names = sorted(d["Name"] for d in dimensions)
            assert names in [sorted(s) for s in catalogue[name]["dimensionSets"]], (
                f"{logical_id} watches {name} by {names}; billmig publishes it by {catalogue[name]['dimensionSets']}")
            checked += 1
    assert checked >= 4


def test_the_designs_alarms_are_all_there():
    alarms = cfn.resources("monitoring", "AWS::CloudWatch::Alarm")
    for name in ("MigrationFailureRateAlarm", "TableThrottlingAlarm", "ValidationFailuresAlarm",
                 "ErrorRateIncreaseAlarm", "BlueGreenSwitchFailureAlarm", "DmsCdcLatencyAlarm",
                 "DeadLettersAlarm", "VpnTunnelDownAlarm", "DirectConnectDownAlarm"):
        assert name in alarms, f"infra/monitoring.yaml lacks {name}"
        assert alarms[name]["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    failure = alarms["MigrationFailureRateAlarm"]["Properties"]
    assert failure["Threshold"] == 1 and failure["ComparisonOperator"] == "GreaterThanThreshold"


def test_every_checkov_waiver_gives_its_reason():
    waivers = 0
    for stack in cfn.STACKS:
        for logical_id, resource in cfn.resources(stack).items():
            for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
                assert skip.get("id", "").startswith("CKV") and len(skip.get("comment", "")) > 20, (
                    f"{stack} {logical_id}: a checkov waiver needs an id and a reason (comment)")
                waivers += 1
    assert waivers > 0
