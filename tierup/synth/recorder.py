"""The mock engine side: deterministic mock outputs and a monitor that records every request."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from google.protobuf import json_format
from pulumi import get_project, get_stack
from pulumi.runtime import mocks, rpc

from tierup.synth.graph import SECRET, UNKNOWN, Resource, ResourceOptions

if TYPE_CHECKING:
    from pulumi.runtime.proto import alias_pb2, resource_pb2

MOCK_ACCOUNT = "123456789012"
ROOT_STACK_TYPE = "pulumi:pulumi:Stack"
_SECRET_SIG = rpc._special_secret_sig
_RESOURCE_SIG = rpc._special_resource_sig
_ASSET_SIGS = {rpc._special_asset_sig, rpc._special_archive_sig}


# ARNs in AWS's own formats where the program or a policy reads them; others get a generic one.
_ARN_FORMATS = {
    "aws:cloudwatch/logGroup:LogGroup": "arn:aws:logs:{region}:{account}:log-group:{name}",
    "aws:iam/role:Role": "arn:aws:iam::{account}:role/{name}",
    "aws:ecs/cluster:Cluster": "arn:aws:ecs:{region}:{account}:cluster/{name}",
    "aws:ecs/taskDefinition:TaskDefinition": "arn:aws:ecs:{region}:{account}:task-definition/{name}:1",
    "aws:ecs/service:Service": "arn:aws:ecs:{region}:{account}:service/{name}",
    "aws:secretsmanager/secret:Secret": "arn:aws:secretsmanager:{region}:{account}:secret:{name}-AbCdEf",
    "aws:lb/loadBalancer:LoadBalancer": "arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/app/{name}/0123456789abcdef",
    "aws:lb/targetGroup:TargetGroup": "arn:aws:elasticloadbalancing:{region}:{account}:targetgroup/{name}/0123456789abcdef",
    "aws:lb/listener:Listener": "arn:aws:elasticloadbalancing:{region}:{account}:listener/app/{name}/0123456789abcdef",
    "aws:sns/topic:Topic": "arn:aws:sns:{region}:{account}:{name}",
    "aws:kms/key:Key": "arn:aws:kms:{region}:{account}:key/" + "1234abcd-12ab-34cd-56ef-1234567890ab",
    "aws:cloudwatch/eventRule:EventRule": "arn:aws:events:{region}:{account}:rule/{name}",
    "aws:cloudwatch/metricAlarm:MetricAlarm": "arn:aws:cloudwatch:{region}:{account}:alarm:{name}",
}


# Outputs the providers mark secret; the recorded graph shows them as SECRET, never a value.
SECRET_OUTPUTS = {"random:index/randomPassword:RandomPassword": ("result", "bcryptHash")}
# Stands in for generated secrets under mocks; only the marker ever reaches the graph.
MOCK_GENERATED_SECRET = "mock-generated-secret"
# Stands in for a random suffix (not a secret): fixed, so that graphs are reproducible.
MOCK_RANDOM_HEX = "c0ffee00"


# Types whose auto-named property is not `name` (pulumi-aws's autonaming: an S3 bucket's is
# `bucket`); the engine's Check fills it in, so it is known in a first preview too.
AUTO_NAMED = {"aws:s3/bucket:Bucket": "bucket", "aws:elasticache/replicationGroup:ReplicationGroup": "replicationGroupId"}


def auto_name(type_token: str) -> str:
    """The property the engine's Check auto-names for a type."""
    return AUTO_NAMED.get(type_token, "name")


# The hosted zone of Application Load Balancers per region, for Route 53 alias records (AWS
# General Reference, "Elastic Load Balancing endpoints and quotas").
ALB_HOSTED_ZONES = {
    "us-east-1": "Z35SXDOTRQ7X7K",
    "us-west-2": "Z1H1FL5HABSF5",
    "eu-west-1": "Z32O12XQLNTSW2",
    "eu-west-2": "ZHURV8PSTC4K8",
    "ap-southeast-1": "Z1LMS91P8CMLE5",
    "ap-southeast-2": "Z1GM3OXH4ZPM65",
}


MOCK_MINOR = "8"


def running_version(inputs: dict[str, Any]) -> str:
    """The version AWS runs for an engine version asked for: a major ("16") gets a minor."""
    asked = str(inputs.get("engineVersion") or "16")
    return asked if "." in asked else f"{asked}.{MOCK_MINOR}"


class DeterministicMocks(mocks.Mocks):
    """Outputs echo the inputs plus the ids, names and ARNs AWS would compute, so every run of
    the same program yields the same graph (no random suffixes)."""

    def __init__(self, region: str, *, first_preview: bool = False) -> None:
        self.region = region
        self.provider_regions: dict[str, str] = {}
        self.cluster_versions: dict[str, str] = {}
        """Aurora clusters' running versions by ARN: a global database reports its source's."""
        """Explicit aws providers' regions by provider name: their resources' outputs (endpoints,
        ARNs) name that region, as AWS would."""
        self.first_preview = first_preview
        """As in a first `pulumi preview`: nothing exists yet, so every computed output (ids,
        ARNs, endpoints, generated values) is unknown; inputs and auto-names stay known."""

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if not args.custom:
            return None, {}
        if args.typ == "pulumi:providers:aws" and isinstance(args.inputs.get("region"), str):
            self.provider_regions[args.name] = args.inputs["region"]
        region = self.region_of(args.provider)
        # In a first preview an empty id is an unknown id.
        return ("" if self.first_preview else f"{args.name}-id"), {**args.inputs, **self.created_outputs(args.typ, args.name, args.inputs, region)}

    def region_of(self, provider: str | None) -> str:
        """The region of a resource registered with `provider` (a reference URN::id)."""
        parts = (provider or "").split("::")
        return self.provider_regions.get(parts[-2], self.region) if len(parts) >= 2 else self.region

    def created_outputs(self, type_token: str, name: str, inputs: dict[str, Any], region: str | None = None) -> dict[str, Any]:
        """What the provider adds to the inputs when it creates the resource. In a first preview
        the engine echoes the inputs and the auto-name (Check assigns it) and leaves the rest
        unknown."""
        computed = self.computed_outputs(type_token, name, inputs, region or self.region)
        if not self.first_preview:
            return computed
        key = auto_name(type_token)
        known = {key: computed[key]} if key in computed and key not in inputs else {}
        return {**{key: rpc.UNKNOWN for key in computed if key not in inputs}, **known}

    def computed_outputs(self, type_token: str, name: str, inputs: dict[str, Any], region: str) -> dict[str, Any]:
        """What the provider would compute for this resource in `region`, deterministically."""
        package, module = type_token.split(":")[0], type_token.split(":")[1].split("/")[0]
        if type_token == "random:index/randomId:RandomId":
            return {"hex": MOCK_RANDOM_HEX, "b64Url": "wP_uAA", "dec": str(int(MOCK_RANDOM_HEX, 16))}
        if package == "random":
            return {"result": MOCK_GENERATED_SECRET}
        arn_format = _ARN_FORMATS.get(type_token, "arn:aws:" + module + ":{region}:{account}:{name}")
        physical = inputs.get("identifier", inputs.get("family", name))
        named = auto_name(type_token)
        computed: dict[str, Any] = {
            "arn": arn_format.format(region=region, account=MOCK_ACCOUNT, name=physical),
            **({} if named in inputs else {named: name}),
        }
        computed.update(self._endpoints(type_token, name, inputs, physical, region, computed["arn"]))
        return computed

    def _endpoints(self, type_token: str, name: str, inputs: dict[str, Any], physical: str, region: str, arn: str) -> dict[str, Any]:
        if type_token == "aws:lb/loadBalancer:LoadBalancer":
            return {
                "dnsName": f"{name}-1234567890.{region}.elb.amazonaws.com",
                "arnSuffix": f"app/{name}/0123456789abcdef",
                "zoneId": ALB_HOSTED_ZONES.get(region, "Z0000000000000000000"),
            }
        if type_token == "aws:lb/targetGroup:TargetGroup":
            return {"arnSuffix": f"targetgroup/{name}/0123456789abcdef"}
        if type_token == "aws:kms/key:Key":
            return {"keyId": "1234abcd-12ab-34cd-56ef-1234567890ab"}
        if type_token == "aws:rds/instance:Instance":
            address = f"{physical}.abcdefghijkl.{region}.rds.amazonaws.com"
            computed: dict[str, Any] = {
                "identifier": physical,
                "address": address,
                "endpoint": f"{address}:5432",
                "port": 5432,
                "engineVersionActual": running_version(inputs),
            }
            if inputs.get("manageMasterUserPassword"):
                secret_arn = f"arn:aws:secretsmanager:{region}:{MOCK_ACCOUNT}:secret:rds!db-{physical}-AbCdEf"
                computed["masterUserSecrets"] = [{"secretArn": secret_arn, "secretStatus": "active", "kmsKeyId": "alias/aws/secretsmanager"}]
            return computed
        if type_token == "aws:cloudfront/distribution:Distribution":
            return {"domainName": "d111111abcdef8.cloudfront.net", "hostedZoneId": "Z2FDTNDATAQYW2"}
        if type_token == "aws:sesv2/emailIdentity:EmailIdentity":
            dkim = inputs.get("dkimSigningAttributes") or {}
            return {"dkimSigningAttributes": {**dkim, "tokens": ["dkimtoken1", "dkimtoken2", "dkimtoken3"]}}
        if type_token == "aws:rds/globalCluster:GlobalCluster":
            return {"engineVersionActual": self.cluster_versions.get(str(inputs.get("sourceDbClusterIdentifier")), running_version(inputs))}
        if type_token == "aws:rds/cluster:Cluster":
            cluster = inputs.get("clusterIdentifier", name)
            self.cluster_versions[arn] = running_version(inputs)
            return {
                "engineVersionActual": running_version(inputs),
                "endpoint": f"{cluster}.cluster-abcdefghijkl.{region}.rds.amazonaws.com",
                "readerEndpoint": f"{cluster}.cluster-ro-abcdefghijkl.{region}.rds.amazonaws.com",
                "port": 5432,
            }
        if type_token == "aws:rds/proxy:Proxy":
            return {"endpoint": f"{name}.proxy-abcdefghijkl.{region}.rds.amazonaws.com"}
        if type_token == "aws:elasticache/replicationGroup:ReplicationGroup":
            return {
                "primaryEndpointAddress": f"master.{name}.abcdef.cache.amazonaws.com",
                "readerEndpointAddress": f"replica.{name}.abcdef.cache.amazonaws.com",
            }
        return {}

    def call(self, args: mocks.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        # The result and its check failures: none, as a list (MockMonitor iterates them; None,
        # which Mocks.call's type allows, would fail).
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": MOCK_ACCOUNT, "arn": f"arn:aws:iam::{MOCK_ACCOUNT}:root", "userId": MOCK_ACCOUNT}, []
        if args.token in ("aws:index/getRegion:getRegion", "aws:index/getRegion:getRegionResult"):
            return {"name": self.region, "region": self.region, "id": self.region}, []
        if args.token == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com"}, []
        return {}, []


class RecordingMonitor(mocks.MockMonitor):
    """A MockMonitor that keeps each RegisterResourceRequest as a graph Resource, with URNs
    built as the real engine builds them (no root-stack prefix on top-level resources)."""

    def __init__(self, mocks_: DeterministicMocks) -> None:
        super().__init__(mocks_)
        self.mocks_ = mocks_
        self.recorded: list[Resource] = []

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        qualified = type_
        if parent:
            parent_type = parent.split("::")[2]
            if parent_type != ROOT_STACK_TYPE:
                qualified = f"{parent_type}${type_}"
        return f"urn:pulumi:{get_stack()}::{get_project()}::{qualified}::{name}"

    def RegisterResource(self, request: resource_pb2.RegisterResourceRequest) -> resource_pb2.RegisterResourceResponse:  # noqa: N802 (gRPC method name)
        # The SDK's MockMonitor leaves its gRPC methods unannotated.
        response: resource_pb2.RegisterResourceResponse = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type != ROOT_STACK_TYPE:
            self.recorded.append(self._record(request, response))
        return response

    def _record(self, request: resource_pb2.RegisterResourceRequest, response: resource_pb2.RegisterResourceResponse) -> Resource:
        inputs = sanitize(json_format.MessageToDict(request.object))
        outputs: dict[str, Any] = {}
        if request.custom:
            region = self.mocks_.region_of(request.provider)
            outputs = {**inputs, **sanitize(self.mocks_.created_outputs(request.type, request.name, inputs, region))}
            outputs.update({key: SECRET for key in SECRET_OUTPUTS.get(request.type, ()) if key in outputs})
        parent = request.parent if request.parent and request.parent.split("::")[2] != ROOT_STACK_TYPE else None
        return Resource(
            urn=response.urn,
            type=request.type,
            name=request.name,
            parent=parent,
            custom=bool(request.custom),
            id=response.id or None,
            inputs=inputs,
            outputs=outputs,
            options=ResourceOptions(
                protect=bool(request.protect),
                retain_on_delete=bool(request.retainOnDelete),
                delete_before_replace=bool(request.deleteBeforeReplace),
                ignore_changes=tuple(request.ignoreChanges),
                replace_on_changes=tuple(request.replaceOnChanges),
                aliases=tuple(_alias_text(alias) for alias in request.aliases),
                deleted_with=request.deletedWith or None,
            ),
            dependencies=tuple(sorted(set(request.dependencies))),
            property_dependencies={key: tuple(sorted(set(deps.urns))) for key, deps in sorted(request.propertyDependencies.items()) if deps.urns},
            provider=request.provider or None,
        )


def sanitize(value: Any) -> Any:
    """Plain JSON from a serialized property value: secrets and unknowns become markers,
    resource references their URN, and whole numbers ints again (protobuf Structs hold floats)."""
    if isinstance(value, dict):
        signature = value.get(rpc._special_sig_key)
        if signature == _SECRET_SIG:
            return SECRET
        if signature == _RESOURCE_SIG:
            return value.get("urn")
        if signature in _ASSET_SIGS:
            return "[asset]"
        return {key: sanitize(item) for key, item in value.items()}
    if isinstance(value, list):
        return [sanitize(item) for item in value]
    if value == rpc.UNKNOWN:
        return UNKNOWN
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _alias_text(alias: alias_pb2.Alias) -> str:
    if alias.urn:
        return alias.urn
    spec = alias.spec
    parts = [f"name={spec.name}"] if spec.name else []
    parts += [f"type={spec.type}"] if spec.type else []
    if spec.noParent:
        parts.append("noParent")
    elif spec.parentUrn:
        parts.append(f"parent={spec.parentUrn}")
    return ",".join(parts)
