"""The tierup policy pack: `pulumi preview --policy-pack policies` runs this file."""

import sys
from pathlib import Path

# The pack reads the release ladder from the project it guards (the parent directory).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi_policy import EnforcementLevel, PolicyPack

from policies.pack import PACK_NAME, all_policies
from tierup.settings.guardrails import guardrails_for
from tierup.stack_config import load_stack_settings

PolicyPack(PACK_NAME, all_policies(guardrails_for(load_stack_settings())), enforcement_level=EnforcementLevel.MANDATORY)
