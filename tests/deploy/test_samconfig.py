"""samconfig.toml's defaults are valid parameter values and turn no integration on with example values."""

from __future__ import annotations

import re
import tomllib

from tests.deploy.conftest import ROOT
from tests.unit.test_template import load_template

TEMPLATE = load_template(ROOT / "template.yaml")


def overrides() -> dict[str, str]:
    config = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))
    pairs = config["default"]["deploy"]["parameters"]["parameter_overrides"]
    return dict(pair.split("=", 1) for pair in pairs)


def test_every_default_names_a_parameter_and_is_a_value_it_accepts() -> None:
    parameters = TEMPLATE["Parameters"]
    for name, value in overrides().items():
        assert name in parameters, name
        spec = parameters[name]
        if "AllowedValues" in spec:
            assert value in spec["AllowedValues"], (name, value)
        if "AllowedPattern" in spec:
            assert re.fullmatch(spec["AllowedPattern"], value), (name, value)


def test_no_example_value_turns_an_integration_on() -> None:
    defaults = overrides()
    assert not defaults.get("JiraUrl") and not defaults.get("ConfluenceUrl")  # a fake site would turn Jira on
    assert defaults.get("PagingEnabled", "false") == "false"
    assert defaults.get("ApiGatewayLoggingRole", "existing") == "existing"  # never replace the account's role unasked
