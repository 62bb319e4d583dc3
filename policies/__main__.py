"""The tierup policy pack: `pulumi preview --policy-pack policies` runs this file.

Self-contained: everything it needs is in this folder (tierup_guardrails/) and
requirements.txt, so `pulumi policy publish` uploads a pack that runs. Its policies are built
without stack config and read the release when they run.
"""

from pulumi_policy import EnforcementLevel, PolicyPack

from tierup_guardrails import read_once
from tierup_guardrails.pack import PACK_NAME, all_policies

read_once.install()
PolicyPack(PACK_NAME, all_policies(), enforcement_level=EnforcementLevel.MANDATORY)
