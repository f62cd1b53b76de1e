"""Reading the templates as CloudFormation sees them (short-form tags as Fn:: maps)."""
import json
import pathlib

import yaml

INFRA = pathlib.Path(__file__).resolve().parent.parent
GENERATED = INFRA / "generated"
# Deployment order: each stack imports the exports of the ones before it.
STACKS = ["network", "staging", "table", "iam", "dms", "compute", "monitoring"]


class _Loader(yaml.SafeLoader):
    pass


def _tag(loader, suffix, node):
    name = "Ref" if suffix == "Ref" else ("Fn::GetAtt" if suffix == "GetAtt" else "Fn::" + suffix)
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_Loader.add_multi_constructor("!", _tag)


def template_path(stack):
    return GENERATED / "table.json" if stack == "table" else INFRA / f"{stack}.yaml"


def load(stack):
    path = template_path(stack)
    text = path.read_text()
    return json.loads(text) if path.suffix == ".json" else yaml.load(text, Loader=_Loader)


def resources(stack, type_name=None):
    items = load(stack)["Resources"].items()
    return {k: v for k, v in items if type_name is None or v["Type"] == type_name}
