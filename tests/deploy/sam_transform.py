"""Print template.yaml as CloudFormation receives it after the SAM transform (run by the SAM CLI's own Python).

`sam deploy` uploads the template with `Transform: AWS::Serverless-2016-10-31`; CloudFormation then runs the
same translator (aws-sam-translator, which the SAM CLI pins) on it. aws-sam-translator pins a pydantic that
opsdesk's runtime does not use, so it lives only in .tools/sam; tests call this script with that interpreter.

    .tools/sam/bin/python tests/deploy/sam_transform.py template.yaml '{"OpsChannelId": "C0OPS", ...}'
"""

import json
import sys
from pathlib import Path

from samcli.yamlhelper import yaml_parse
from samtranslator.translator.transform import transform


class NoManagedPolicies:
    """opsdesk's functions name no managed policy by name, so nothing needs looking up in IAM."""

    def load(self) -> dict:
        return {}


def main() -> None:
    path, parameters = sys.argv[1], json.loads(sys.argv[2])
    template = yaml_parse(Path(path).read_text(encoding="utf-8"))
    transformed = transform(template, parameters, NoManagedPolicies(), passthrough_metadata=True)
    json.dump(transformed, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
