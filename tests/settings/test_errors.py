"""Every invalid input yields its exact one-line ConfigError."""

import pytest

from tierup_guardrails.settings import ConfigError, load_settings

BASE = {"tierup:release": "v1.0", "aws:region": "us-east-1"}

CASES = [
    ({"tierup:release": "v4.0"}, 'tierup:release: "v4.0" is not allowed; allowed: v1.0, v1.5, v2.0, v3.0'),
    ({"tierup:release": None}, "tierup:release: null is not allowed; allowed: v1.0, v1.5, v2.0, v3.0"),
    ({"aws:region": "Virginia"}, 'aws:region: "Virginia" is not allowed; allowed: an AWS region name such as us-east-1'),
    (
        {"tierup:nework": {"natStrategy": "single"}},
        'tierup:nework: {"natStrategy": "single"} is under an unknown key; '
        "allowed: keys tierup:release, tierup:network, tierup:app, tierup:compute, tierup:data, tierup:cache, tierup:frontend, tierup:storage, tierup:auth, tierup:email, tierup:dr, tierup:usage, tierup:budget, tierup:alerts",
    ),
    (
        {"tierup:network": {"natStrategyy": "single"}},
        'tierup:network.natStrategyy: "single" is under an unknown key; '
        "allowed: an object with keys cidr, azCount, availabilityZones, natStrategy, flowLogs, logRetentionDays",
    ),
    (
        {"tierup:network": "single"},
        'tierup:network: "single" is not an object; allowed: an object with keys cidr, azCount, availabilityZones, natStrategy, flowLogs, logRetentionDays',
    ),
    (
        {"tierup:network": {"natStrategy": "two"}},
        'tierup:network.natStrategy: "two" is not allowed; allowed: none, single, one-per-az',
    ),
    ({"tierup:network": {"flowLogs": "yes"}}, 'tierup:network.flowLogs: "yes" is not a boolean; allowed: true or false'),
    ({"tierup:network": {"azCount": 5}}, "tierup:network.azCount: 5 is out of range; allowed: an integer from 2 to 4"),
    ({"tierup:network": {"azCount": True}}, "tierup:network.azCount: true is not an integer; allowed: an integer from 2 to 4"),
    (
        {"tierup:network": {"cidr": "10.0.0.0/25"}},
        'tierup:network.cidr: "10.0.0.0/25" cannot hold the subnet plan (12 subnets, each 1/16 of the range, /28 at least); allowed: a prefix from /16 to /24',
    ),
    (
        {"tierup:network": {"cidr": "10.0.0.1/16"}},
        'tierup:network.cidr: "10.0.0.1/16" is not a CIDR block; allowed: an RFC 1918 IPv4 network such as 10.0.0.0/16, with a prefix from /16 to /24',
    ),
    (
        {"tierup:network": {"cidr": "8.8.0.0/16"}},
        'tierup:network.cidr: "8.8.0.0/16" is not an RFC 1918 range of /16 or smaller; '
        "allowed: an RFC 1918 IPv4 network such as 10.0.0.0/16, with a prefix from /16 to /24",
    ),
    (
        {"tierup:network": {"availabilityZones": ["us-east-1a", "eu-west-1b"]}},
        'tierup:network.availabilityZones[1]: "eu-west-1b" is not an AZ of us-east-1; allowed: zone IDs such as use1-az1, or names us-east-1a, us-east-1b, ...',
    ),
    (
        {"tierup:network": {"availabilityZones": ["use1-az1", "use1-az3"]}},
        'tierup:network.availabilityZones[1]: "use1-az3" is not supported: RDS Proxy is not available there; '
        "allowed: another zone of us-east-1: use1-az1, use1-az2, use1-az4, use1-az5, use1-az6",
    ),
    (
        {"tierup:network": {"availabilityZones": ["use1-az1", "euw2-az1"]}},
        'tierup:network.availabilityZones[1]: "euw2-az1" is not a zone ID of us-east-1; allowed: use1-az1, use1-az2, use1-az4, use1-az5, use1-az6',
    ),
    (
        {"tierup:network": {"availabilityZones": ["us-east-1a", "us-east-1a"]}},
        'tierup:network.availabilityZones: ["us-east-1a", "us-east-1a"] repeats an AZ; allowed: distinct AZ names',
    ),
    (
        {"tierup:network": {"azCount": 2, "availabilityZones": ["us-east-1a", "us-east-1b", "us-east-1c"]}},
        "tierup:network.azCount: 2 differs from the 3 availabilityZones given; allowed: 3 or leave azCount unset",
    ),
    (
        {"tierup:network": {"logRetentionDays": 0}},
        "tierup:network.logRetentionDays: 0 is not allowed; allowed: a CloudWatch retention: "
        "1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653",
    ),
    ({"tierup:compute": {"cpu": 300}}, "tierup:compute.cpu: 300 is not allowed; allowed: 256, 512, 1024, 2048, 4096, 8192, 16384"),
    ({"tierup:compute": {"memory": 4096}}, "tierup:compute.memory: 4096 is not allowed with cpu 256; allowed: 512, 1024, 2048"),
    ({"tierup:compute": {"cpu": 1024}}, "tierup:compute.memory: 512 is not allowed with cpu 1024; allowed: 2048 to 8192 in steps of 1024"),
    ({"tierup:compute": {"cpu": "x"}}, 'tierup:compute.cpu: "x" is not allowed; allowed: 256, 512, 1024, 2048, 4096, 8192, 16384'),
    ({"tierup:compute": {"minTasks": 3}}, "tierup:compute.maxTasks: 1 is below minTasks 3; allowed: an integer from 3 to 50"),
    (
        {"tierup:compute": {"maxTasks": 2, "onDemandBase": 3}},
        "tierup:compute.onDemandBase: 3 is above maxTasks 2; allowed: an integer from 0 to 2",
    ),
    ({"tierup:compute": {"architecture": "arm64"}}, 'tierup:compute.architecture: "arm64" is not allowed; allowed: ARM64, X86_64'),
    (
        {"tierup:data": {"logRetentionDays": 10}},
        "tierup:data.logRetentionDays: 10 is not allowed; allowed: a CloudWatch retention: "
        "1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653",
    ),
    ({"tierup:data": {"backupRetentionDays": 0}}, "tierup:data.backupRetentionDays: 0 is out of range; allowed: an integer from 1 to 35"),
    (
        {"tierup:data": {"engineVersion": "12"}},
        'tierup:data.engineVersion: "12" is not allowed; allowed: a PostgreSQL major version: 14, 15, 16 or 17',
    ),
    (
        {"tierup:data": {"instanceClass": "t4g.micro"}},
        'tierup:data.instanceClass: "t4g.micro" is not allowed; allowed: an RDS instance class such as db.t4g.micro',
    ),
    (
        {"tierup:data": {"maxAllocatedStorageGb": 50, "allocatedStorageGb": 60}},
        "tierup:data.maxAllocatedStorageGb: 50 is less than 10% above allocatedStorageGb 60, which RDS refuses; allowed: an integer from 66 to 65536",
    ),
    (
        # RDS: "The maximum allocated storage must be increased by at least 10 percent".
        {"tierup:data": {"allocatedStorageGb": 100, "maxAllocatedStorageGb": 105}},
        "tierup:data.maxAllocatedStorageGb: 105 is less than 10% above allocatedStorageGb 100, which RDS refuses; allowed: an integer from 110 to 65536",
    ),
    (
        {"tierup:data": {"allocatedStorageGb": 60000}},
        "tierup:data.allocatedStorageGb: 60000 is out of range; allowed: an integer from 20 to 59578",
    ),
    ({"tierup:data": {"credentialVersion": 0}}, "tierup:data.credentialVersion: 0 is out of range; allowed: an integer from 1 to 1000"),
    ({"tierup:app": {"writableMib": 0}}, "tierup:app.writableMib: 0 is out of range; allowed: an integer from 1 to 1024"),
    (
        {"tierup:app": {"writablePaths": ["tmp"]}},
        'tierup:app.writablePaths[0]: "tmp" is not allowed; allowed: an absolute path below / such as /tmp',
    ),
    ({"tierup:compute": {"wafBlockLargeBodies": "yes"}}, 'tierup:compute.wafBlockLargeBodies: "yes" is not a boolean; allowed: true or false'),
    (
        {"tierup:app": {"environment": {"DB_PASSWORD": "hunter2"}}},
        "tierup:app.environment.DB_PASSWORD: (value hidden) is a plaintext value under a secret-looking name; "
        "allowed: a Secrets Manager or SSM parameter ARN under tierup:app.secrets.DB_PASSWORD",
    ),
    (
        {"tierup:app": {"environment": {"stripe-key": "x"}}},
        'tierup:app.environment.stripe-key: "stripe-key" is not an allowed name; allowed: an object of up to 100 names matching [A-Za-z_][A-Za-z0-9_]{0,254}',
    ),
    (
        {"tierup:app": {"secrets": {"API_TOKEN": "arn:aws:s3:::bucket/token"}}},
        'tierup:app.secrets.API_TOKEN: "arn:aws:s3:::bucket/token" is not allowed; allowed: a Secrets Manager secret ARN or an SSM parameter ARN',
    ),
    (
        {"tierup:app": {"environment": {"MODE": "x"}, "secrets": {"MODE": "arn:aws:ssm:us-east-1:123456789012:parameter/mode"}}},
        'tierup:app.secrets.MODE: "MODE" is also set in environment; allowed: each name in one of environment or secrets',
    ),
    (
        {"tierup:app": {"environment": {"DB_HOST": "elsewhere"}}},
        'tierup:app.environment.DB_HOST: "elsewhere" is set by the platform; allowed: names that do not start with DB_, CACHE_, REDIS_, STORAGE_, COGNITO_, EMAIL_',
    ),
    ({"tierup:app": {"port": 80}}, "tierup:app.port: 80 is out of range; allowed: an integer from 1024 to 65535"),
    ({"tierup:app": {"healthCheckPath": "health"}}, 'tierup:app.healthCheckPath: "health" is not allowed; allowed: a path starting with /'),
    (
        {"tierup:app": {"certificateArn": "arn:aws:iam::123456789012:server-certificate/x"}},
        'tierup:app.certificateArn: "arn:aws:iam::123456789012:server-certificate/x" is not allowed; allowed: an ACM certificate ARN',
    ),
    ({"tierup:usage": {"natGb": -5}}, "tierup:usage.natGb: -5 is out of range; allowed: a number from 0 to 1000000"),
    ({"tierup:cache": {"mode": "memcached"}}, 'tierup:cache.mode: "memcached" is not allowed; allowed: postgres, redis'),
    ({"tierup:budget": {"monthlyUsd": 0}}, "tierup:budget.monthlyUsd: 0 is out of range; allowed: a number above 0 and at most 100000"),
    ({"tierup:budget": {"goalUsd": 50}}, "tierup:budget.goalUsd: 50 is above monthlyUsd 45; allowed: a number up to 45"),
    (
        {"tierup:alerts": {"emails": "ops@example.com"}},
        'tierup:alerts.emails: "ops@example.com" is not a list; allowed: a list of 0 to 10 items',
    ),
    ({"tierup:alerts": {"emails": ["ops"]}}, 'tierup:alerts.emails[0]: "ops" is not allowed; allowed: an email address'),
    # The budget's own list moved: one list serves alarms and budget, and the old key says where.
    (
        {"tierup:budget": {"alertEmails": ["ops@example.com"]}},
        'tierup:budget.alertEmails: ["ops@example.com"] has moved to tierup:alerts.emails (one address list now hears the alarms and the '
        'budget alike); allowed: tierup:alerts.emails: ["ops@example.com"]',
    ),
    (
        {"tierup:frontend": {"domain": "app.example.com"}},
        "tierup:frontend.certificateArn: missing; allowed: an ACM certificate ARN in us-east-1 covering domain app.example.com",
    ),
    (
        {"tierup:frontend": {"certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/abc"}},
        "tierup:frontend.domain: missing; allowed: the DNS name certificateArn covers, such as app.example.com",
    ),
    (
        {"tierup:frontend": {"domain": "app.example.com", "certificateArn": "arn:aws:acm:eu-west-1:123456789012:certificate/abc"}},
        'tierup:frontend.certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/abc" is not allowed; allowed: an ACM certificate ARN in us-east-1 (CloudFront\'s region)',
    ),
    (
        {"tierup:frontend": {"apiOrigin": "api.example.com", "spaFallback": False}},
        'tierup:frontend.apiOrigin: "api.example.com" needs a load balancer, and tierup:compute.ingress is public-ip; allowed: null',
    ),
    (
        {"tierup:frontend": {"priceClass": "PriceClass_50"}},
        'tierup:frontend.priceClass: "PriceClass_50" is not allowed; allowed: PriceClass_100, PriceClass_200, PriceClass_All',
    ),
    (
        {"tierup:frontend": {"domain": "App.Example.com"}},
        'tierup:frontend.domain: "App.Example.com" is not allowed; allowed: a lowercase DNS name such as app.example.com',
    ),
    ({"tierup:storage": {"uploadsPrefix": "uploads"}}, 'tierup:storage.uploadsPrefix: "uploads" is not allowed; allowed: a key prefix such as uploads/'),
    ({"tierup:auth": {"mfa": "SMS"}}, 'tierup:auth.mfa: "SMS" is not allowed; allowed: OFF, OPTIONAL, ON'),
    (
        {"tierup:auth": {"callbackUrls": ["http://app.example.com/"]}},
        'tierup:auth.callbackUrls[0]: "http://app.example.com/" is not allowed; allowed: an https:// URL (http:// only for localhost)',
    ),
    (
        {"tierup:release": "v1.5", "tierup:frontend": {"apiOrigin": "api.example.com", "spaFallback": False}},
        'tierup:frontend.apiOrigin: "api.example.com" needs HTTPS on the load balancer, and tierup:app.certificateArn is not set; allowed: null, or set certificateArn',
    ),
    (
        {
            "tierup:release": "v1.5",
            "tierup:app": {"certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/abc"},
            "tierup:frontend": {"apiOrigin": "api.example.com"},
        },
        'tierup:frontend.apiOrigin: "api.example.com" would have the API\'s 403/404 answered by index.html (spaFallback is on); allowed: null, or spaFallback false',
    ),
    ({"tierup:email": {"domain": "not a domain"}}, 'tierup:email.domain: "not a domain" is not allowed; allowed: a lowercase DNS name such as app.example.com'),
]


@pytest.mark.parametrize(("overrides", "message"), CASES, ids=[message.split(":", 2)[1] for _, message in CASES])
def test_invalid_config_names_key_value_and_allowed(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings({**BASE, **overrides})
    assert str(raised.value) == message
    assert "\n" not in str(raised.value)


def test_missing_release() -> None:
    with pytest.raises(ConfigError, match=r"^tierup:release: missing; allowed: v1\.0, v1\.5, v2\.0, v3\.0$"):
        load_settings({"aws:region": "us-east-1"})


def test_missing_region() -> None:
    with pytest.raises(ConfigError, match=r"^aws:region: missing; allowed: an AWS region name such as us-east-1$"):
        load_settings({"tierup:release": "v1.0"})


def test_secure_values_are_refused_without_showing_them() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings({**BASE, "tierup:app": '{"environment": {"MODE": "[secret]"}}'}, secret_keys=["tierup:app", "aws:secretKey"])
    assert str(raised.value) == (
        "tierup:app: (value hidden) is a secure value, which would end up in plaintext in a resource; "
        "allowed: plain values; pass secrets as Secrets Manager or SSM parameter ARNs in tierup:app.secrets"
    )
