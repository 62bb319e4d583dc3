"""AuthTier: one Cognito user pool and the single-page app's client, signing in with the
authorization code flow and PKCE."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.endpoint_parameter import EndpointRef, endpoint_parameter
from components.naming import child_name
from tierup_guardrails.modes import MfaMode
from tierup_guardrails.settings.model import AuthSettings
from tierup_guardrails.tags import StackTags

TIER = "auth"
OAUTH_SCOPES = ("openid", "email", "profile")


@dataclass(frozen=True, kw_only=True)
class AuthTierArgs:
    """The pool's settings and where users come back to after signing in."""

    shape: AuthSettings
    """Plan, MFA, deletion protection, password and token lifetimes, extra callback URLs."""
    frontend_url: pulumi.Input[str]
    """The frontend's URL: the first sign-in and sign-out redirect."""
    region: str
    """Region of the pool, for the ARNs of the parameters the app reads its ids from."""
    account_id: pulumi.Input[str]
    """Makes the hosted sign-in domain prefix unique (Cognito prefixes are global per region),
    and the parameters' ARNs."""
    tags: StackTags
    """The stack's shared tags."""


class AuthTier(pulumi.ComponentResource):
    """A Cognito user pool (email as the user name, verified by code; password policy; optional
    authenticator-app MFA; deletion protection per release), a public app client (no secret,
    code flow only, token revocation, no user-existence leaks) and a hosted sign-in domain."""

    user_pool_id: pulumi.Output[str]
    client_id: pulumi.Output[str]
    sign_in_domain: pulumi.Output[str]
    app_environment: dict[str, pulumi.Input[str]]
    app_secret_arns: dict[str, pulumi.Input[str]]
    app_restart_triggers: dict[str, pulumi.Input[str]]

    def __init__(self, name: str, args: AuthTierArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("tierup:index:AuthTier", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        shape = args.shape
        pool = aws.cognito.UserPool(
            child_name(name, "users"),
            user_pool_tier=shape.tier.value,
            deletion_protection="ACTIVE" if shape.deletion_protection else "INACTIVE",
            # Both replace the pool (and lose its users) if changed later: fixed from v1.0.
            username_attributes=["email"],
            auto_verified_attributes=["email"],
            account_recovery_setting={"recovery_mechanisms": [{"name": "verified_email", "priority": 1}]},
            password_policy={
                "minimum_length": shape.password_min_length,
                "require_lowercase": True,
                "require_uppercase": True,
                "require_numbers": True,
                "require_symbols": False,
                "temporary_password_validity_days": 7,
            },
            mfa_configuration=shape.mfa.value,
            software_token_mfa_configuration={"enabled": True} if shape.mfa is not MfaMode.OFF else None,
            tags=args.tags.for_resource(TIER, "users"),
            opts=child,
        )
        redirects = pulumi.Output.from_input(args.frontend_url).apply(lambda url: sign_in_redirects(url, shape.callback_urls))
        client = aws.cognito.UserPoolClient(
            child_name(name, "spa-client"),
            user_pool_id=pool.id,
            # A browser cannot keep a secret: a public client, and PKCE protects the code.
            generate_secret=False,
            allowed_oauth_flows_user_pool_client=True,
            allowed_oauth_flows=["code"],
            allowed_oauth_scopes=list(OAUTH_SCOPES),
            supported_identity_providers=["COGNITO"],
            callback_urls=redirects,
            logout_urls=redirects,
            explicit_auth_flows=["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"],
            prevent_user_existence_errors="ENABLED",
            enable_token_revocation=True,
            access_token_validity=shape.access_token_minutes,
            id_token_validity=shape.access_token_minutes,
            refresh_token_validity=shape.refresh_token_days,
            token_validity_units={"access_token": "minutes", "id_token": "minutes", "refresh_token": "days"},
            opts=child,
        )
        domain = aws.cognito.UserPoolDomain(
            child_name(name, "sign-in"),
            domain=pulumi.Output.from_input(args.account_id).apply(lambda account: f"{args.tags.project}-{args.tags.stack}-{account}"),
            user_pool_id=pool.id,
            # The classic hosted UI: managed login (version 2) shows nothing until a branding
            # style is created for the client.
            managed_login_version=1,
            opts=child,
        )

        self.user_pool_id = pool.id
        self.client_id = client.id
        self.sign_in_domain = domain.domain
        # The ids AWS assigns reach the app through SSM parameters whose ARNs are known at the
        # first preview, as the database host does (components/endpoint_parameter.py).
        ids = {
            "COGNITO_USER_POOL_ID": self._parameter(name, args, "user-pool-id", self.user_pool_id),
            "COGNITO_CLIENT_ID": self._parameter(name, args, "client-id", self.client_id),
        }
        self.app_environment = {}
        self.app_secret_arns = {key: ref.arn for key, ref in ids.items()}
        self.app_restart_triggers = {key: ref.version for key, ref in ids.items()}
        self.register_outputs({"user_pool_id": self.user_pool_id, "client_id": self.client_id, "sign_in_domain": self.sign_in_domain})

    def _parameter(self, name: str, args: AuthTierArgs, role: str, value: pulumi.Output[str]) -> EndpointRef:
        return endpoint_parameter(
            child_name(name, role),
            path=f"/{args.tags.project}/{args.tags.stack}/auth/{role}",
            value=value,
            region=args.region,
            account_id=args.account_id,
            tags=args.tags.for_resource(TIER, role),
            opts=pulumi.ResourceOptions(parent=self),
        )


def sign_in_redirects(frontend_url: str, extra: Sequence[str]) -> list[str]:
    """The frontend's root first, then the extra URLs, without repeats (pure)."""
    return list(dict.fromkeys([f"{frontend_url.rstrip('/')}/", *extra]))
