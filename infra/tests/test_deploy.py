"""Every stack deployed, in order, on moto_server's CloudFormation; what moto
reports created is then read back through each service's API and compared with
the template. Resource types moto's CloudFormation cannot create are named in
MOTO_CANNOT_CREATE (and printed), never skipped silently: any other declared
resource missing from the stack fails the test."""
import json

import pytest

import cfn

# Types moto 5's CloudFormation has no model for: it accepts the template and
# creates nothing for them. Their settings are checked statically (cfn-lint,
# checkov, test_static.py); the alarms are also created through the API below.
MOTO_CANNOT_CREATE = {
    "AWS::ApplicationAutoScaling::ScalableTarget",
    "AWS::ApplicationAutoScaling::ScalingPolicy",
    "AWS::CloudTrail::Trail",
    "AWS::CloudWatch::Alarm",
    "AWS::DMS::Certificate",
    "AWS::DMS::Endpoint",
    "AWS::DMS::ReplicationInstance",
    "AWS::DMS::ReplicationSubnetGroup",
    "AWS::DMS::ReplicationTask",
    "AWS::EC2::CustomerGateway",
    "AWS::EC2::SecurityGroupEgress",
    "AWS::EC2::VPNConnection",
    "AWS::EC2::VPNGatewayRoutePropagation",
    "AWS::S3::BucketPolicy",
    "AWS::SNS::TopicPolicy",
    "AWS::SQS::QueuePolicy",
    "AWS::SecretsManager::Secret",
}

# Properties moto's CloudFormation accepts but does not apply: checked on the
# template instead (and printed), the rest of the resource against moto.
MOTO_DROPS = {
    ("AWS::EC2::SecurityGroup", "SecurityGroupEgress"),
    ("AWS::S3::Bucket", "PublicAccessBlockConfiguration"),
    ("AWS::S3::Bucket", "VersioningConfiguration"),
    ("AWS::S3::Bucket", "LifecycleConfiguration"),
    ("AWS::S3::Bucket", "NotificationConfiguration"),
    ("AWS::DynamoDB::Table", "TimeToLiveSpecification"),
    ("AWS::DynamoDB::Table", "PointInTimeRecoverySpecification"),
    ("AWS::DynamoDB::Table", "SSESpecification"),
    ("AWS::ECS::Service", "LaunchType"),
}


def _dropped(stack, logical_id, prop):
    resource = cfn.resources(stack)[logical_id]
    assert (resource["Type"], prop) in MOTO_DROPS
    print(f"\n{stack}: moto does not apply {resource['Type']}.{prop} ({logical_id}); checked on the template")
    return resource["Properties"][prop]


PARAMETERS = {
    "dms": lambda: {"TableMappings": (cfn.GENERATED / "dms-table-mappings.json").read_text()},
}


def _conditions_false(template):
    """Conditions that are false with the default parameters (those used here)."""
    false = set()
    for name, expression in template.get("Conditions", {}).items():
        # Every condition here tests an optional parameter whose default is off.
        if name in ("HasDirectConnect", "VerifySource", "HasEmail", "IsProvisioned"):
            false.add(name)
    return false


@pytest.fixture(scope="module")
def deployed(aws):
    cloudformation = aws("cloudformation")
    # The listener's certificate must exist (moto checks, as AWS does).
    certificate = aws("acm").request_certificate(DomainName="billing.example.internal")["CertificateArn"]
    PARAMETERS["compute"] = lambda: {"CertificateArn": certificate}
    # In AWS these are the network and DMS stacks' outputs; moto creates neither resource.
    PARAMETERS["monitoring"] = lambda: {"VpnConnectionId": "vpn-0a1b2c3d", "DmsReplicationTaskResourceId": "TASKRESOURCEID"}
    stacks = {}
    for stack in cfn.STACKS:
        name = f"billmig-{stack}"
        parameters = [{"ParameterKey": k, "ParameterValue": v} for k, v in PARAMETERS.get(stack, dict)().items()]
        cloudformation.create_stack(
            StackName=name, TemplateBody=cfn.template_path(stack).read_text(), Parameters=parameters,
            Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"])
        status = cloudformation.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
        assert status == "CREATE_COMPLETE", f"stack {name}: {status}"
        resources = cloudformation.describe_stack_resources(StackName=name)["StackResources"]
        # moto lists what it did not create without ids: only created ones count.
        stacks[stack] = {r["LogicalResourceId"]: r.get("PhysicalResourceId") for r in resources if "LogicalResourceId" in r}
    outputs = {}
    for stack in cfn.STACKS:
        for output in cloudformation.describe_stacks(StackName=f"billmig-{stack}")["Stacks"][0].get("Outputs", []):
            outputs[(stack, output["OutputKey"])] = output.get("OutputValue")
    exports = {e["Name"]: e.get("Value") for e in cloudformation.list_exports()["Exports"]}
    return {"resources": stacks, "outputs": outputs, "exports": exports}


@pytest.mark.parametrize("stack", cfn.STACKS)
def test_every_declared_resource_is_created_or_named_as_beyond_moto(deployed, stack):
    template = cfn.load(stack)
    false = _conditions_false(template)
    created = deployed["resources"][stack]
    missing, beyond_moto = [], []
    for logical_id, resource in template["Resources"].items():
        if resource.get("Condition") in false:
            continue
        if resource["Type"] in MOTO_CANNOT_CREATE:
            beyond_moto.append(f"{logical_id} ({resource['Type']})")
            assert logical_id not in created or created[logical_id], logical_id
        elif logical_id not in created:
            missing.append(f"{logical_id} ({resource['Type']})")
    if beyond_moto:
        print(f"\n{stack}: moto's CloudFormation cannot create: " + ", ".join(beyond_moto))
    assert not missing, f"{stack}: declared but not created: {missing}"


def test_network_has_two_zones_nat_each_and_mysql_only_from_dms_and_workers(deployed, aws):
    ec2 = aws("ec2")
    created = deployed["resources"]["network"]
    vpc = ec2.describe_vpcs(VpcIds=[created["Vpc"]])["Vpcs"][0]
    assert vpc["CidrBlock"] == "10.40.0.0/16"
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["Subnets"]
    assert len(subnets) == 6 and len({s["AvailabilityZone"] for s in subnets}) == 2
    nats = ec2.describe_nat_gateways(NatGatewayIds=[created["NatGatewayA"], created["NatGatewayB"]])["NatGateways"]
    assert {n["SubnetId"] for n in nats} == {created["PublicSubnetA"], created["PublicSubnetB"]}
    assert ec2.describe_vpn_gateways(VpnGatewayIds=[created["VpnGateway"]])["VpnGateways"][0]["Type"] == "ipsec.1"
    groups = ec2.describe_security_groups(GroupIds=[created["DmsSecurityGroup"], created["WorkerSecurityGroup"]])
    for group in groups["SecurityGroups"]:
        assert group["IpPermissions"] == [], "nothing may connect to the DMS or worker groups"
    for logical_id in ("DmsSecurityGroup", "WorkerSecurityGroup"):
        egress = _dropped("network", logical_id, "SecurityGroupEgress")
        mysql = [r for r in egress if r["FromPort"] == {"Ref": "SourcePort"}]
        assert len(mysql) == 1 and mysql[0]["CidrIp"] == {"Ref": "OnPremisesCidr"}
        assert all(r["FromPort"] in ({"Ref": "SourcePort"}, 443) for r in egress)
    private = ec2.describe_route_tables(RouteTableIds=[created["PrivateRouteTableA"]])["RouteTables"][0]
    assert any(r.get("NatGatewayId") == created["NatGatewayA"] for r in private["Routes"])


def test_staging_bucket_is_kms_encrypted_private_versioned_expiring_and_notifies_a_queue(deployed, aws):
    s3, sqs = aws("s3"), aws("sqs")
    bucket = deployed["outputs"][("staging", "BucketName")]
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert rule["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"] == deployed["outputs"][("staging", "KeyArn")]
    block = _dropped("staging", "StagingBucket", "PublicAccessBlockConfiguration")
    assert all(block.values()) and len(block) == 4
    assert _dropped("staging", "StagingBucket", "VersioningConfiguration") == {"Status": "Enabled"}
    lifecycle = _dropped("staging", "StagingBucket", "LifecycleConfiguration")["Rules"]
    assert lifecycle[0]["ExpirationInDays"] == {"Ref": "RollbackWindowDays"}
    notification = _dropped("staging", "StagingBucket", "NotificationConfiguration")["QueueConfigurations"][0]
    assert notification["Queue"] == {"Fn::GetAtt": ["FileEventsQueue", "Arn"]} and notification["Event"] == "s3:ObjectCreated:*"
    queue = deployed["outputs"][("staging", "FileEventsQueueUrl")]
    attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    redrive = json.loads(attributes["RedrivePolicy"])
    dead_letter_queue = deployed["outputs"][("staging", "FileEventsDeadLetterQueueName")]
    assert redrive["maxReceiveCount"] == 5 and redrive["deadLetterTargetArn"].endswith(":" + dead_letter_queue)
    assert attributes.get("KmsMasterKeyId")


def test_table_has_the_mappings_keys_indexes_streams_pitr_ttl_and_kms(deployed, aws):
    dynamodb = aws("dynamodb")
    name = deployed["outputs"][("table", "TableName")]
    table = dynamodb.describe_table(TableName=name)["Table"]
    generated = cfn.load("table")["Resources"]["Table"]["Properties"]
    assert table["KeySchema"] == generated["KeySchema"]
    assert sorted(a["AttributeName"] for a in table["AttributeDefinitions"]) == sorted(a["AttributeName"] for a in generated["AttributeDefinitions"])
    assert sorted((i["IndexName"], json.dumps(i["KeySchema"])) for i in table["GlobalSecondaryIndexes"]) == \
        sorted((i["IndexName"], json.dumps(i["KeySchema"])) for i in generated["GlobalSecondaryIndexes"])
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert _dropped("table", "Table", "SSESpecification")["SSEType"] == "KMS"
    assert _dropped("table", "Table", "PointInTimeRecoverySpecification") == {"PointInTimeRecoveryEnabled": True}
    assert _dropped("table", "Table", "TimeToLiveSpecification") == {"AttributeName": "TTL", "Enabled": True}


def test_roles_exist_with_their_policies(deployed, aws):
    iam = aws("iam")
    created = deployed["resources"]["iam"]
    for logical_id in ("WorkerRole", "ValidatorRole", "ServiceRole", "DmsTargetRole", "DmsSecretsRole", "TaskExecutionRole"):
        role = created[logical_id]
        assert iam.list_role_policies(RoleName=role)["PolicyNames"] or iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"], logical_id
    assert iam.get_role(RoleName="dms-vpc-role")["Role"]["RoleName"] == "dms-vpc-role"


def test_compute_runs_workers_and_blue_green_services_behind_an_internal_alb(deployed, aws):
    ecs, elb = aws("ecs"), aws("elbv2")
    created = deployed["resources"]["compute"]
    cluster = created["Cluster"]
    services = ecs.describe_services(
        cluster=cluster, services=[created["WorkerService"], created["ServiceBlue"], created["ServiceGreen"]])["services"]
    assert len(services) == 3 and all(s["status"] == "ACTIVE" for s in services)
    for logical_id in ("WorkerService", "ServiceBlue", "ServiceGreen"):
        assert _dropped("compute", logical_id, "LaunchType") == "FARGATE"
    worker = ecs.describe_task_definition(taskDefinition=created["WorkerTask"])["taskDefinition"]
    command = worker["containerDefinitions"][0]["command"]
    assert command[:1] == ["worker"] and "--change-sequence-column" in command and "AR_H_CHANGE_SEQ" in command
    assert command[command.index("--cdc-path") + 1] == "cdc"
    # The workers are fed by the staging bucket's file-event queue.
    queue = deployed["resources"]["staging"]["FileEventsQueue"]
    assert command[command.index("--queue") + 1] == queue
    balancer = elb.describe_load_balancers(LoadBalancerArns=[created["LoadBalancer"]])["LoadBalancers"][0]
    assert balancer["Scheme"] == "internal"
    listener = elb.describe_listeners(LoadBalancerArn=created["LoadBalancer"])["Listeners"][0]
    assert listener["Protocol"] == "HTTPS" and listener["DefaultActions"][0]["Type"] == "fixed-response"
    rule = next(r for r in elb.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"] if r["Priority"] == "1")
    groups = rule["Actions"][0]["ForwardConfig"]["TargetGroups"]
    weights = {g["TargetGroupArn"]: g["Weight"] for g in groups}
    assert weights == {created["BlueTargetGroup"]: 100, created["GreenTargetGroup"]: 0}
    logs = aws("logs").describe_log_groups(logGroupNamePrefix="/billmig/")["logGroups"]
    assert {g["retentionInDays"] for g in logs} == {90} and len(logs) == 2


def test_monitoring_topic_and_dashboard(deployed, aws):
    created = deployed["resources"]["monitoring"]
    attributes = aws("sns").get_topic_attributes(TopicArn=created["AlarmTopic"])["Attributes"]
    assert attributes.get("KmsMasterKeyId")
    body = json.loads(aws("cloudwatch").get_dashboard(DashboardName=created["Dashboard"])["DashboardBody"])
    assert len(body["widgets"]) == 4
