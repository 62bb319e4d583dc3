"""EmailTier: the domain the app sends from, verified by DKIM, and its SES v2 configuration set."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.arns import ses_configuration_set_arn, ses_identity_arn
from components.naming import child_name
from tierup_guardrails.tags import StackTags

TIER = "email"


@dataclass(frozen=True, kw_only=True)
class EmailTierArgs:
    """The sending domain and where it lives."""

    domain: str
    """The domain the app sends from (its DNS gets the three DKIM CNAME records)."""
    region: str
    """SES region of the identity."""
    account_id: pulumi.Input[str]
    """Account of the identity, for the ARNs the task role is granted."""
    tags: StackTags
    """The stack's shared tags."""


class EmailTier(pulumi.ComponentResource):
    """An SES v2 configuration set (TLS required to the receiving server, reputation metrics) and
    a domain email identity with Easy DKIM (2048-bit keys), and the task role's grant to send
    from that domain only, through that configuration set. A new account is in the SES sandbox:
    it sends only to verified addresses until AWS grants production access (README)."""

    dkim_records: pulumi.Output[list[str]]
    app_environment: dict[str, pulumi.Input[str]]
    app_secret_arns: dict[str, pulumi.Input[str]]
    app_restart_triggers: dict[str, pulumi.Input[str]]
    task_policy_statements: pulumi.Output[list[dict[str, object]]]

    def __init__(self, name: str, args: EmailTierArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("tierup:index:EmailTier", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = args.tags.for_resource(TIER, "mail")
        configuration = aws.sesv2.ConfigurationSet(
            child_name(name, "configuration"),
            configuration_set_name=f"{args.tags.project}-{args.tags.stack}",
            delivery_options={"tls_policy": "REQUIRE"},
            reputation_options={"reputation_metrics_enabled": True},
            sending_options={"sending_enabled": True},
            tags=tags,
            opts=child,
        )
        identity = aws.sesv2.EmailIdentity(
            child_name(name, "identity"),
            email_identity=args.domain,
            configuration_set_name=configuration.configuration_set_name,
            dkim_signing_attributes={"next_signing_key_length": "RSA_2048_BIT"},
            tags=tags,
            opts=child,
        )

        self.dkim_records = identity.dkim_signing_attributes.apply(lambda dkim: dkim_cname_records(args.domain, list(dkim.tokens or []) if dkim else []))
        self.app_environment = {"EMAIL_FROM_DOMAIN": args.domain, "EMAIL_CONFIGURATION_SET": configuration.configuration_set_name}
        # Names the stack chose: known at preview, nothing to restart for.
        self.app_secret_arns, self.app_restart_triggers = {}, {}
        self.task_policy_statements = pulumi.Output.all(args.account_id, configuration.configuration_set_name, identity.urn).apply(
            lambda values: send_statements(
                ses_identity_arn(args.region, values[0], args.domain), ses_configuration_set_arn(args.region, values[0], values[1]), args.domain
            )
        )
        self.register_outputs({"dkim_records": self.dkim_records, "task_policy_statements": self.task_policy_statements})


def dkim_cname_records(domain: str, tokens: list[str]) -> list[str]:
    """The DNS records Easy DKIM asks for, one line each (pure)."""
    return [f"{token}._domainkey.{domain} CNAME {token}.dkim.amazonses.com" for token in tokens]


def send_statements(identity_arn: str, configuration_set_arn: str, domain: str) -> list[dict[str, object]]:
    """Send from the domain only. SES v2's SendEmail authorizes the identity and, when one is
    used, the configuration set (SES Developer Guide, "Controlling access to Amazon SES")."""
    return [
        {
            "Sid": "AppSendsMail",
            "Effect": "Allow",
            "Action": ["ses:SendEmail", "ses:SendRawEmail"],
            "Resource": [identity_arn, configuration_set_arn],
            "Condition": {"StringLike": {"ses:FromAddress": f"*@{domain}"}},
        }
    ]
