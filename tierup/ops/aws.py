"""boto3 clients from the standard credential chain, and AWS errors as one-line messages."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


class OpsError(Exception):
    """An operation against AWS cannot be done; the message is one line for the user."""


@dataclass(frozen=True)
class Aws:
    """Where to call AWS: the stack's region and, for emulators, an endpoint."""

    region: str
    endpoint_url: str | None = None

    def client(self, service: str) -> Any:
        import boto3
        from botocore.config import Config

        # Fail fast on an unreachable endpoint instead of retrying for a minute.
        config = Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 2, "mode": "standard"})
        return boto3.client(service, region_name=self.region, endpoint_url=self.endpoint_url, config=config)


@contextmanager
def aws_errors(endpoint_url: str | None = None) -> Iterator[None]:
    """Turn the failures a user can fix into OpsError with what to do."""
    import botocore.exceptions as errors

    try:
        yield
    except errors.NoCredentialsError:
        raise OpsError("no AWS credentials found; configure them (aws configure, AWS_PROFILE) or pass --endpoint-url for an emulator") from None
    except (errors.EndpointConnectionError, errors.ConnectTimeoutError) as error:
        where = endpoint_url or getattr(error, "kwargs", {}).get("endpoint_url", "AWS")
        raise OpsError(f"cannot reach {where}; check the network or --endpoint-url") from None
    except errors.ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        operation = getattr(error, "operation_name", "the call")
        if code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnrecognizedClientException"):
            raise OpsError(f"access denied for {operation}; the caller's IAM policy must allow it") from None
        message = error.response.get("Error", {}).get("Message", str(error)).splitlines()[0]
        raise OpsError(f"{operation} failed: {code}: {message}") from None
