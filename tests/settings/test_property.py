"""Whatever a stack file holds, load_settings returns settings or raises ConfigError: nothing else."""

from hypothesis import given, settings
from hypothesis import strategies as st

from tierup_guardrails.settings import ConfigError, StackSettings, load_settings
from tierup_guardrails.settings.loader import ALLOWED_KEYS

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["v1.0", "v1.5", "v2.0", "none", "single", "one-per-az", "10.0.0.0/16", "true", "256", "512", "us-east-1a"]),
)
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=10)
_field_names = st.sampled_from(
    ["cidr", "azCount", "availabilityZones", "natStrategy", "flowLogs", "cpu", "memory", "minTasks", "maxTasks", "onDemandBase",
     "multiAz", "instanceClass", "backupRetentionDays", "mode", "nodes", "monthlyUsd", "goalUsd", "alertEmails", "bogus",
     "image", "port", "healthCheckPath", "environment", "secrets", "user", "certificateArn"]
)  # fmt: skip
_sections = st.dictionaries(_field_names, _values, max_size=5)
_keys = st.sampled_from([*ALLOWED_KEYS, "tierup:unknown", "aws:region", "other:key"])


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(_keys, st.one_of(_values, _sections), max_size=6), st.booleans())
def test_random_overrides_raise_only_config_error(config: dict[str, object], with_base: bool) -> None:
    if with_base:
        config = {"tierup:release": "v1.5", "aws:region": "us-east-1", **config}
    try:
        result = load_settings(config)
    except ConfigError as error:
        assert "\n" not in str(error)
        assert str(error).split(": ")[0].startswith(error.key.split(".")[0])
    else:
        assert isinstance(result, StackSettings)
