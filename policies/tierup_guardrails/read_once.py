"""Each resource's request read once per request instead of once per policy.

pulumi-policy's analyzer turns a request's properties into Python for every policy it runs
(`unknown_checking_proxy(deserialize_properties(json_format.MessageToDict(request.properties)))`
in pulumi_policy/policy.py, Analyze and AnalyzeStack), and its options and provider too: with 75
policies that is thousands of conversions of prod's 107 resources, most of a stack's analysis
(measured in process: 0.6 s -> 0.12 s). The policies only read what they are given, so the same
request converted once serves them all. The protocol, the verdicts and the reports are the same
(tests/synth/test_server.py compares them byte for byte with this off); TIERUP_PACK_READ_ONCE=0
turns it off, and it stays off where pulumi-policy's internals are not the ones pinned here.
"""

from __future__ import annotations

import os
from typing import Any

SWITCH = "TIERUP_PACK_READ_ONCE"


class _Conversions:
    """Conversions by the identity of what was converted. Each entry holds its source, so no
    other object can take that id while the entry is remembered; the pack serves one stack's
    run, and the memory is let go at MAX_ENTRIES."""

    MAX_ENTRIES = 20_000

    def __init__(self) -> None:
        self._entries: dict[int, tuple[object, Any]] = {}
        self._results: dict[int, tuple[object, Any]] = {}

    def produced(self, result: object) -> bool:
        """Whether `result` is one of the conversions remembered here."""
        entry = self._results.get(id(result))
        return entry is not None and entry[1] is result

    def get(self, source: object, convert: Any) -> Any:
        entry = self._entries.get(id(source))
        if entry is not None and entry[0] is source:
            return entry[1]
        if len(self._entries) >= self.MAX_ENTRIES:
            self._entries.clear()
            self._results.clear()
        result = convert(source)
        self._entries[id(source)] = (source, result)
        self._results[id(result)] = (source, result)
        return result


def install() -> bool:
    """Wrap pulumi-policy's conversions of a request (properties to Python, their proxy, the
    resource's options and provider) with a memo each; False when switched off or when the SDK no
    longer has them where this expects."""
    if os.environ.get(SWITCH, "1") == "0":
        return False
    from google.protobuf import json_format
    from pulumi_policy import policy as sdk

    convert, deserialize = getattr(sdk, "json_format", None), getattr(sdk, "deserialize_properties", None)
    proxy = getattr(sdk, "unknown_checking_proxy", None)
    servicer = getattr(sdk, "_PolicyAnalyzerServicer", None)
    options_of, provider_of = getattr(servicer, "_get_resource_options", None), getattr(servicer, "_get_provider_resource", None)
    if convert is not json_format or deserialize is None or proxy is None or options_of is None or provider_of is None:
        return False
    dicts, props_by_dict, proxies, options, providers = _Conversions(), _Conversions(), _Conversions(), _Conversions(), _Conversions()

    class _JsonFormat:
        """json_format as pulumi-policy's module sees it, MessageToDict remembered."""

        def __getattr__(self, name: str) -> Any:
            return getattr(json_format, name)

        @staticmethod
        def MessageToDict(message: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N802 (protobuf's name)
            if args or kwargs:
                return json_format.MessageToDict(message, *args, **kwargs)
            return dicts.get(message, json_format.MessageToDict)

    def deserialize_once(props: Any, proxy_secrets: bool = False) -> Any:
        # Remediation asks for secrets as proxies: that call stays as it was.
        return deserialize(props, proxy_secrets) if proxy_secrets else props_by_dict.get(props, deserialize)

    def proxy_once(props: Any) -> Any:
        # Only properties converted once are proxied once: remediation's own copy gets its own.
        return proxies.get(props, proxy) if props_by_dict.produced(props) else proxy(props)

    # A resource's options and provider, built from the same request for every policy.
    def options_once(self: Any, request: Any) -> Any:
        return options.get(request, lambda given: options_of(self, given))

    def provider_once(self: Any, request: Any) -> Any:
        return providers.get(request, lambda given: provider_of(self, given))

    # The names pulumi_policy/policy.py calls (module globals, not exports: set by attribute).
    setattr(sdk, "json_format", _JsonFormat())  # noqa: B010
    setattr(sdk, "deserialize_properties", deserialize_once)  # noqa: B010
    setattr(sdk, "unknown_checking_proxy", proxy_once)  # noqa: B010
    setattr(servicer, "_get_resource_options", options_once)  # noqa: B010
    setattr(servicer, "_get_provider_resource", provider_once)  # noqa: B010
    return True
