"""DatabaseProxy: an RDS Proxy in front of the primary, TLS only, authenticating with the
database's credential secret."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.iam_documents import assume_role_policy, secret_reader_policy
from components.naming import child_name
from components.security_rules import group_admitting, tcp_rule
from tierup_guardrails.tags import StackTags

TIER = "data"
POSTGRES_PORT = 5432


@dataclass(frozen=True, kw_only=True)
class DatabaseProxyArgs:
    """Where the proxy runs and what it fronts."""

    vpc_id: pulumi.Input[str]
    """VPC of the proxy."""
    subnet_ids: pulumi.Input[Sequence[str]]
    """Isolated subnets, at least two AZs."""
    client_security_group_id: pulumi.Input[str]
    """The app's group: the only client admitted."""
    database_security_group_id: pulumi.Input[str]
    """The database's group, which admits the proxy's group."""
    db_instance_identifier: pulumi.Input[str] | None
    """The RDS primary the proxy pools connections to (None when it fronts an Aurora cluster)."""
    db_cluster_identifier: pulumi.Input[str] | None = None
    """The Aurora cluster the proxy pools connections to instead (v3.0); its writer takes them."""
    credential_secret_arn: pulumi.Input[str]
    """The secret holding the database's username and password, the proxy's credentials."""
    credential_secret_partial_arn: pulumi.Input[str]
    """The same secret's ARN without its random suffix (known at preview), for the role's policy."""
    tags: StackTags
    """The stack's shared tags."""


class DatabaseProxy(pulumi.ComponentResource):
    """A security group admitting only the app, an IAM role that reads exactly the database's
    credential secret, the proxy (PostgreSQL, TLS required, SCRAM auth), its default target group
    and the primary as its target. The database's group gets an ingress rule from the proxy."""

    endpoint: pulumi.Output[str]
    name: pulumi.Output[str]
    """The ProxyName dimension of its metrics."""

    def __init__(self, name: str, args: DatabaseProxyArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("tierup:index:DatabaseProxy", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        def tags(role: str) -> dict[str, str]:
            return args.tags.for_resource(TIER, role)

        group = group_admitting(
            name,
            vpc_id=args.vpc_id,
            description="RDS Proxy: PostgreSQL from the app only",
            peer_group_id=args.client_security_group_id,
            port=POSTGRES_PORT,
            rule_description="App to the proxy",
            group_tags=tags("proxy-sg"),
            rule_tags=tags("proxy-from-app"),
            opts=child,
        )
        # The proxy reaches the database, and the database admits the proxy.
        postgres = (POSTGRES_PORT, POSTGRES_PORT)
        tcp_rule(child_name(name, "to-database"), direction="egress", group_id=group.id, peer_group_id=args.database_security_group_id,
                 ports=postgres, description="Proxy to the database", tags=tags("proxy-to-database"), opts=child)  # fmt: skip
        tcp_rule(child_name(name, "database-from-proxy"), direction="ingress", group_id=args.database_security_group_id, peer_group_id=group.id,
                 ports=postgres, description="Proxy to the database", tags=tags("database-from-proxy"), opts=child)  # fmt: skip
        role = aws.iam.Role(child_name(name, "role"), assume_role_policy=assume_role_policy("rds.amazonaws.com"), tags=tags("proxy-role"), opts=child)
        read_secret = aws.iam.RolePolicy(
            child_name(name, "read-secret"),
            role=role.id,
            policy=pulumi.Output.from_input(args.credential_secret_partial_arn).apply(secret_reader_policy),
            opts=child,
        )
        proxy = aws.rds.Proxy(
            child_name(name, "proxy"),
            engine_family="POSTGRESQL",
            require_tls=True,
            role_arn=role.arn,
            vpc_subnet_ids=args.subnet_ids,
            vpc_security_group_ids=[group.id],
            idle_client_timeout=1800,
            auths=[
                {
                    "auth_scheme": "SECRETS",
                    "secret_arn": args.credential_secret_arn,
                    "iam_auth": "DISABLED",
                    "client_password_auth_type": "POSTGRES_SCRAM_SHA_256",
                }
            ],
            tags=tags("proxy"),
            # IAM is eventually consistent: a proxy created before its role may read the secret
            # cannot reach its target and stays unavailable.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[read_secret]),
        )
        target_group = aws.rds.ProxyDefaultTargetGroup(
            child_name(name, "targets"),
            db_proxy_name=proxy.name,
            connection_pool_config={"max_connections_percent": 90, "connection_borrow_timeout": 120},
            opts=child,
        )
        aws.rds.ProxyTarget(
            child_name(name, "primary"),
            db_proxy_name=proxy.name,
            target_group_name=target_group.name,
            # Moving the target from the RDS instance to the Aurora cluster replaces this target
            # only (ForceNew in the provider): the proxy and its endpoint, which the app uses, stay.
            # At v3.0 the cluster is a global database's primary, which a proxy may target (Aurora
            # User Guide, "Using RDS Proxy with Aurora global databases"); the secondary, without a
            # writer, gets none (tests/recovery/test_standby.py).
            db_instance_identifier=None if args.db_cluster_identifier is not None else args.db_instance_identifier,
            db_cluster_identifier=args.db_cluster_identifier,
            # A proxy has a single target, DB instance or cluster (RDS User Guide, "Limitations for
            # RDS Proxy"): the old target goes before the new one registers, not after (Pulumi's
            # default), during the migration's write stop (README, "Moving to v3.0", step 3).
            opts=pulumi.ResourceOptions(parent=self, delete_before_replace=True),
        )
        self.endpoint = proxy.endpoint
        self.name = proxy.name
        self.register_outputs({"endpoint": self.endpoint, "name": self.name})
