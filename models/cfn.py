"""CloudFormation, SAM and `cdk synth` templates read into data whose every value knows its line.

`load(path)` parses a template (YAML with the short-form tags `!Ref`, `!GetAtt`, `!Sub`..., or JSON; a
`cdk.out` folder or one of its `*.template.json` files) with cfn-lint's decoder, which turns the tags into
their long forms (`{"Fn::GetAtt": ["Fn", "Arn"]}`) and keeps each node's position. `Template.value(node)`
resolves the intrinsic functions in a value on demand: parameters (from `--param`, else their `Default`),
pseudo parameters, `Fn::If` and `Conditions`, `Fn::Sub`, `Fn::Join`, `Fn::Select`, `Fn::Split`,
`Fn::FindInMap`, `Fn::GetAZs`, `Fn::Base64`. A reference to a resource resolves to a `Ref` or `Att` marker (its
ARN or name is not known before deployment), text built from one to `Text`, which remembers the resources it
names. A value that cannot be resolved (a parameter with no value, `Fn::ImportValue`, an SSM parameter) is an
error naming the parameter and the line, raised only when the value is needed.

Refused with a `TemplateError` (file, line, what is wrong): a file that is not YAML or JSON, a document that is
not a template (no `Resources` mapping), an unknown intrinsic function (`!Foo`), a cycle of references
between resources or conditions, a `--param` the template does not declare or a value outside its
`AllowedValues`.
"""

from __future__ import annotations

import graphlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from errors import UnitcostError
from models.yamlio import read_text

# Every intrinsic function CloudFormation knows (AWS CloudFormation User Guide, "Intrinsic function
# reference"), condition and rule functions included; `Fn::ForEach::<name>` (AWS::LanguageExtensions) is a key prefix.
INTRINSICS = frozenset(
    [
        "Fn::Base64",
        "Fn::Cidr",
        "Fn::FindInMap",
        "Fn::GetAtt",
        "Fn::GetAZs",
        "Fn::ImportValue",
        "Fn::Join",
        "Fn::Select",
        "Fn::Split",
        "Fn::Sub",
        "Fn::Transform",
        "Fn::If",
        "Fn::Equals",
        "Fn::And",
        "Fn::Or",
        "Fn::Not",
        "Fn::Length",
        "Fn::ToJsonString",
        "Fn::GetStackOutput",
        # Rules' assertions (CDK writes one checking the bootstrap version)
        "Fn::Contains",
        "Fn::EachMemberEquals",
        "Fn::EachMemberIn",
        "Fn::RefAll",
        "Fn::ValueOf",
        "Fn::ValueOfAll",
    ]
)
PSEUDO = {
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "stack",
    "AWS::StackId": "arn:aws:cloudformation:REGION:123456789012:stack/stack/id",
    "AWS::NotificationARNs": [],
}
DEFAULT_REGION = "us-east-1"
_SUB_VAR = re.compile(r"\$\{([^}]*)\}")
_LOGICAL_ID = re.compile(r"^[A-Za-z0-9]+$")


class TemplateError(UnitcostError):
    """A template unitcost cannot read: the file, the line and what is wrong."""


class Unresolvable(TemplateError):
    """A value only the deployed stack knows (Fn::ImportValue, Fn::Cidr...): an error where the value is needed."""


class MissingValue(TemplateError):
    """A parameter with no value here (no Default and no --param, or read from SSM when deployed)."""


class NoValue:
    """`!Ref AWS::NoValue`: the property is left out."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE = NoValue()


@dataclass(frozen=True)
class Ref:
    """`!Ref Resource`: the resource's name or ID, known only once deployed."""

    target: str

    def __str__(self) -> str:
        return "${" + self.target + "}"


@dataclass(frozen=True)
class Att:
    """`!GetAtt Resource.Attribute`."""

    target: str
    attribute: str

    def __str__(self) -> str:
        return "${" + f"{self.target}.{self.attribute}" + "}"


class Text(str):
    """Text built from references (`!Sub "${Table.Arn}/index/*"`): the resources it names in `refs`."""

    refs: frozenset[str] = frozenset()

    @classmethod
    def of(cls, text: str, refs) -> str:
        refs = frozenset(refs)
        if not refs:
            return str(text)
        t = cls(text)
        t.refs = refs
        return t


def line_of(node: Any) -> int | None:
    """The 1-based line where a parsed node starts (None for a number, which keeps no position)."""
    mark = getattr(node, "start_mark", None)
    return mark.line + 1 if mark is not None else None


def key_line(d: Any, key: str) -> int | None:
    """The line of `key` in the mapping `d` (its value's line when the key kept none)."""
    for k in d:
        if k == key:
            return line_of(k) or line_of(d[k])
    return line_of(d)


@dataclass
class Template:
    data: dict
    source: str  # the path as given, for errors
    name: str  # the file's name, for provenance comments
    params: dict[str, str] = field(default_factory=dict)  # --param overrides
    region: str = DEFAULT_REGION
    kind: str = "CloudFormation"  # CloudFormation | SAM | CDK
    _conditions: dict[str, bool] = field(default_factory=dict)
    _evaluating: list[str] = field(default_factory=list)

    # -- sections

    @property
    def resources(self) -> dict:
        """Resources by logical ID (an `Fn::ForEach::` loop or an `Fn::Transform` include is not expanded)."""
        r = self.data.get("Resources") or {}
        return {k: v for k, v in r.items() if not str(k).startswith("Fn::")}

    @property
    def parameters(self) -> dict:
        p = self.data.get("Parameters")
        return p if isinstance(p, dict) else {}

    def error(self, message: str, node: Any = None, line: int | None = None, field: str = "") -> TemplateError:
        return TemplateError(message, source=self.source, line=line or line_of(node), field=field)

    def missing(self, message: str, node: Any) -> MissingValue:
        return MissingValue(message, source=self.source, line=line_of(node))

    def where(self, line: int | None) -> str:
        """`template.yaml:42`, the provenance of a value."""
        return f"{self.name}:{line}" if line else self.name

    # -- values

    def parameter(self, name: str, node: Any) -> Any:
        """A parameter's value: --param, else its Default; typed as the parameter declares."""
        decl = self.parameters[name]
        ptype = str(decl.get("Type", "String")) if isinstance(decl, dict) else "String"
        if name in self.params:
            raw: Any = self.params[name]
        elif isinstance(decl, dict) and "Default" in decl:
            if ptype.startswith("AWS::SSM::Parameter::Value"):
                raise self.missing(
                    f"parameter {name!r} is read from SSM Parameter Store ({decl['Default']}) when deployed; "
                    f"give its value with --param {name}=VALUE",
                    node,
                )
            raw = decl["Default"]
        else:
            raise self.missing(
                f"parameter {name!r} has no Default and no --param {name}=VALUE; its value is needed here", node
            )
        text = ",".join(str(v) for v in raw) if isinstance(raw, list) else str(raw)
        allowed = decl.get("AllowedValues") if isinstance(decl, dict) else None
        listed = not ptype.startswith("List") and "Comma" not in ptype
        if isinstance(allowed, list) and listed and text not in [str(a) for a in allowed]:
            raise self.error(
                f"parameter {name!r} is {text!r}, not one of its AllowedValues ({', '.join(str(a) for a in allowed)})",
                node,
            )
        if ptype == "Number":
            try:
                number = float(text)
            except ValueError:
                raise self.error(f"parameter {name!r} is a Number, got {text!r}", node) from None
            return int(number) if number.is_integer() else number
        if ptype.startswith("List<") or ptype == "CommaDelimitedList":
            return [v.strip() for v in text.split(",")] if text else []
        return text

    def ref(self, name: Any, node: Any) -> Any:
        if not isinstance(name, str):
            raise self.error(f"Ref must name a parameter or resource, got {name!r}", node)
        if name in self.parameters:
            return self.parameter(name, node)
        if name == "AWS::Region":
            return self.region
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in PSEUDO:
            return PSEUDO[name].replace("REGION", self.region) if isinstance(PSEUDO[name], str) else []
        # A resource, or one SAM makes (MyFunctionRole, ServerlessHttpApi) that is not in the file.
        return Ref(name)

    def value(self, node: Any) -> Any:
        """`node` with its intrinsic functions resolved (see the module's docstring)."""
        if isinstance(node, list):
            out = [self.value(v) for v in node]
            return [v for v in out if v is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((key, arg),) = node.items()
            if key == "Ref":
                return self.ref(arg, node)
            if key == "Condition" and isinstance(arg, str):
                return self.condition(arg, node)
            if isinstance(key, str) and key.startswith("Fn::"):
                return self.function(str(key), arg, node)
        out = {k: self.value(v) for k, v in node.items()}
        return {k: v for k, v in out.items() if v is not NO_VALUE}

    def function(self, name: str, arg: Any, node: Any) -> Any:
        if name == "Fn::GetAtt":
            parts = arg.split(".", 1) if isinstance(arg, str) else arg
            if not isinstance(parts, list) or len(parts) != 2:
                raise self.error(f"Fn::GetAtt takes Resource.Attribute, got {arg!r}", node)
            return Att(str(self.value(parts[0])), str(self.value(parts[1])))
        if name == "Fn::Sub":
            return self.sub(arg, node)
        if name == "Fn::Join":
            if not isinstance(arg, list) or len(arg) != 2:
                raise self.error("Fn::Join takes [delimiter, [values]]", node)
            delimiter, values = self.value(arg[0]), self.value(arg[1])
            if not isinstance(values, list):
                raise self.error("Fn::Join's second argument must be a list", node)
            return Text.of(str(delimiter).join(str(v) for v in values), _refs(values))
        if name == "Fn::Select":
            if not isinstance(arg, list) or len(arg) != 2:
                raise self.error("Fn::Select takes [index, [values]]", node)
            index, values = self.value(arg[0]), self.value(arg[1])
            try:
                return values[int(index)]
            except (ValueError, TypeError, IndexError, KeyError):
                raise self.error(f"Fn::Select: no item {index!r} in {values!r}", node) from None
        if name == "Fn::Split":
            if not isinstance(arg, list) or len(arg) != 2:
                raise self.error("Fn::Split takes [delimiter, text]", node)
            delimiter, text = self.value(arg[0]), self.value(arg[1])
            refs = _refs(text)
            return [Text.of(part, refs) for part in str(text).split(str(delimiter))]
        if name == "Fn::If":
            if not isinstance(arg, list) or len(arg) != 3:
                raise self.error("Fn::If takes [condition, value if true, value if false]", node)
            return self.value(arg[1] if self.condition(arg[0], node) else arg[2])
        if name in ("Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not"):
            return self.test(name, arg, node)
        if name == "Fn::FindInMap":
            if not isinstance(arg, list) or len(arg) not in (3, 4):
                raise self.error("Fn::FindInMap takes [map, top-level key, second-level key]", node)
            mapping, top, second = (self.value(a) for a in arg[:3])
            try:
                return self.value(self.data["Mappings"][mapping][top][second])
            except (KeyError, TypeError):
                if len(arg) == 4 and isinstance(arg[3], dict) and "DefaultValue" in arg[3]:
                    return self.value(arg[3]["DefaultValue"])
                raise self.error(f"Fn::FindInMap: no {mapping}.{top}.{second} in Mappings", node) from None
        if name == "Fn::GetAZs":
            return [f"{self.region}{z}" for z in "abc"]
        if name in ("Fn::Base64", "Fn::ToJsonString"):
            return self.value(arg)
        if name == "Fn::Length":
            v = self.value(arg)
            return len(v) if isinstance(v, list) else 1
        if name == "Fn::ImportValue":
            raise Unresolvable(
                "Fn::ImportValue: the value is exported by another stack, not in this template; its value is "
                "needed here",
                source=self.source,
                line=line_of(node),
            )
        if name in INTRINSICS:  # Fn::Cidr, Fn::Transform, Fn::GetStackOutput: nothing unitcost needs
            raise Unresolvable(
                f"{name}: unitcost cannot work out this value, and it is needed here",
                source=self.source,
                line=line_of(node),
            )
        raise self.error(f"unknown intrinsic function {name!r}", node)

    def sub(self, arg: Any, node: Any) -> Any:
        if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], dict):
            text, local = arg[0], arg[1]
        elif isinstance(arg, str):
            text, local = arg, {}
        else:
            raise self.error("Fn::Sub takes text or [text, {variables}]", node)
        if not isinstance(text, str):
            raise self.error("Fn::Sub's text must be text", node)
        refs: set[str] = set()

        def one(m: re.Match) -> str:
            var = m.group(1).strip()
            if var.startswith("!"):  # ${!Literal} stays ${Literal}
                return "${" + var[1:] + "}"
            if var in local:
                v = self.value(local[var])
            elif "." in var and var.split(".", 1)[0] not in self.parameters and not var.startswith("AWS::"):
                v = Att(*var.split(".", 1))
            else:
                v = self.ref(var, node)
            refs.update(_refs(v))
            return ",".join(str(x) for x in v) if isinstance(v, list) else str(v)

        return Text.of(_SUB_VAR.sub(one, text), refs)

    # -- conditions

    def condition(self, name: Any, node: Any) -> bool:
        """A named condition of `Conditions`, evaluated once with the parameters' values."""
        if isinstance(name, bool):
            return name
        if not isinstance(name, str):
            raise self.error(f"a condition must be named, got {name!r}", node)
        if name in self._conditions:
            return self._conditions[name]
        conditions = self.data.get("Conditions")
        if not isinstance(conditions, dict) or name not in conditions:
            raise self.error(f"unknown condition {name!r} (not in Conditions)", node)
        if name in self._evaluating:
            cycle = " -> ".join(self._evaluating[self._evaluating.index(name) :] + [name])
            raise self.error(f"a cycle of conditions: {cycle}", conditions[name])
        self._evaluating.append(name)
        try:
            result = self.value(conditions[name])
        finally:
            self._evaluating.pop()
        if not isinstance(result, bool):
            raise self.error(f"condition {name!r} must come to true or false, got {result!r}", conditions[name])
        self._conditions[name] = result
        return result

    def test(self, name: str, arg: Any, node: Any) -> bool:
        if not isinstance(arg, list):
            raise self.error(f"{name} takes a list", node)
        if name == "Fn::Equals":
            if len(arg) != 2:
                raise self.error("Fn::Equals takes two values", node)
            a, b = (self.value(v) for v in arg)
            return _same(a) == _same(b)
        values = [self.value(v) for v in arg]
        for v in values:
            if not isinstance(v, bool):
                raise self.error(f"{name} takes conditions, got {v!r}", node)
        if name == "Fn::Not":
            return not values[0]
        return all(values) if name == "Fn::And" else any(values)

    def included(self, resource: dict) -> bool:
        """False for a resource whose `Condition` is false for these parameters."""
        cond = resource.get("Condition")
        return True if cond is None else self.condition(cond, resource)


def _same(v: Any) -> str:
    return (
        json.dumps(v, default=str) if isinstance(v, list | dict) else str(v).lower() if isinstance(v, bool) else str(v)
    )


def _refs(v: Any) -> set[str]:
    """The resources a resolved value names."""
    if isinstance(v, Ref | Att):
        return {v.target}
    if isinstance(v, Text):
        return set(v.refs)
    if isinstance(v, list):
        return set().union(*(_refs(x) for x in v)) if v else set()
    if isinstance(v, dict):
        return set().union(*(_refs(x) for x in v.values())) if v else set()
    return set()


refs = _refs


# ---------------------------------------------------------------- loading


def load(path: str | Path, params: dict[str, str] | None = None, region: str | None = None) -> Template:
    """A template from a file or a `cdk.out` folder (see the module's docstring)."""
    p = Path(path)
    if p.is_dir():
        return _cdk_out(p, params, region)
    try:
        text = read_text(p)
    except UnitcostError as e:
        message = e.message
        if message.startswith("too large"):
            message = "too large: a template is at most 1 MB (CloudFormation's limit for a template in S3)"
        raise TemplateError(message, source=str(path), line=e.line) from None
    return loads(text, str(path), p.name, params, region)


def loads(
    text: str, source: str, name: str | None = None, params: dict[str, str] | None = None, region: str | None = None
) -> Template:
    from cfnlint.decode import decode_str  # half a second: only when a template is read

    data, matches = decode_str(text)
    if matches or data is None:
        m = matches[0] if matches else None
        what = m.message if m else "empty"
        raise TemplateError(
            f"not a YAML or JSON template: {what}", source=source, line=getattr(m, "linenumber", None) or None
        )
    t = Template(data, source, name or Path(source).name, dict(params or {}), region or DEFAULT_REGION)
    _check(t)
    return t


def _check(t: Template) -> None:
    data = t.data
    if not isinstance(data, dict) or not isinstance(data.get("Resources"), dict):
        raise t.error("not a CloudFormation, SAM or CDK template: it has no 'Resources' mapping", data, line=1)
    transform = data.get("Transform")
    transforms = transform if isinstance(transform, list) else [transform]
    if any(isinstance(x, str) and x.startswith("AWS::Serverless") for x in transforms):
        t.kind = "SAM"
    elif "CDKMetadata" in data["Resources"] or any(
        isinstance(r, dict) and isinstance(r.get("Metadata"), dict) and "aws:cdk:path" in r["Metadata"]
        for r in data["Resources"].values()
    ):
        t.kind = "CDK"
    for name in t.params:
        if name not in t.parameters:
            known = ", ".join(t.parameters) or "none"
            raise TemplateError(
                f"--param {name}: the template has no such parameter (parameters: {known})", source=t.source
            )
    for logical_id, r in t.resources.items():
        if not isinstance(logical_id, str) or not _LOGICAL_ID.match(logical_id):
            raise t.error(
                f"logical ID {str(logical_id)!r} must be letters and digits only (A-Z, a-z, 0-9), as CloudFormation "
                "requires",
                line=line_of(logical_id) or 1,
            )
        if not isinstance(r, dict) or not isinstance(r.get("Type"), str):
            raise t.error(
                f"resource {logical_id!r} must be a mapping with a Type",
                r,
                line=key_line(data["Resources"], logical_id),
            )
    _intrinsics(t, data)
    _cycles(t)


MAX_NODES = 500_000  # a 1 MB template has far fewer; YAML aliases can make a small file look endless


def _intrinsics(t: Template, node: Any, seen: list | None = None) -> None:
    """Every `Fn::` key is one CloudFormation knows: a typo (`!GetAttr`) is an error at its line."""
    seen = [0] if seen is None else seen
    seen[0] += 1
    if seen[0] > MAX_NODES:
        raise t.error(f"too large: more than {MAX_NODES:,} values (check YAML aliases: *name)", node)
    if isinstance(node, list):
        for v in node:
            _intrinsics(t, v, seen)
    elif isinstance(node, dict):
        for k, v in node.items():
            if (
                isinstance(k, str)
                and k.startswith("Fn::")
                and k not in INTRINSICS
                and not k.startswith("Fn::ForEach::")
            ):
                raise t.error(f"unknown intrinsic function {k!r}", line=line_of(k) or line_of(node))
            _intrinsics(t, v, seen)


def _names(node: Any, t: Template) -> set[str]:
    """The resources a raw node refers to (Ref, GetAtt, Sub variables), without resolving anything."""
    out: set[str] = set()
    if isinstance(node, list):
        for v in node:
            out |= _names(v, t)
    elif isinstance(node, dict):
        for k, v in node.items():
            if k == "Ref" and isinstance(v, str):
                out.add(v)
            elif k == "Fn::GetAtt":
                target = v.split(".", 1)[0] if isinstance(v, str) else v[0] if isinstance(v, list) and v else None
                if isinstance(target, str):
                    out.add(target)
            elif k == "Fn::Sub":
                text = v if isinstance(v, str) else v[0] if isinstance(v, list) and v else ""
                local = v[1] if isinstance(v, list) and len(v) > 1 and isinstance(v[1], dict) else {}
                if isinstance(text, str):
                    for var in _SUB_VAR.findall(text):
                        var = var.strip().split(".", 1)[0]
                        if var not in local and not var.startswith("!"):
                            out.add(var)
                out |= _names(local, t)
            else:
                out |= _names(v, t)
    return out & set(t.resources)


def _cycles(t: Template) -> None:
    """References between resources (and DependsOn) must not loop: CloudFormation refuses such a stack."""
    graph = {}
    for logical_id, r in t.resources.items():
        props = r.get("Properties") if isinstance(r.get("Properties"), dict) else {}
        if r["Type"].startswith("AWS::Serverless::"):
            # SAM turns Events into resources of their own (permissions, mappings), so a function's event on an
            # API whose definition names the function is no cycle.
            props = {k: v for k, v in props.items() if k != "Events"}
        deps = _names(props, t)
        depends = r.get("DependsOn")
        deps |= {d for d in (depends if isinstance(depends, list) else [depends]) if isinstance(d, str)} & set(
            t.resources
        )
        graph[logical_id] = deps
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as e:
        cycle = e.args[1]
        first = cycle[0]
        raise t.error(
            f"a cycle of references between resources: {' -> '.join(reversed(cycle))}",
            line=key_line(t.resources, first),
            field=f"Resources.{first}",
        ) from None


def _stack_files(folder: Path, depth: int = 0) -> list[Path]:
    """The stack templates a cloud assembly lists, those of its nested assemblies (CDK Stages) included."""
    manifest = folder / "manifest.json"
    if not manifest.is_file():
        return sorted(p for p in folder.glob("*.template.json") if not p.name.endswith(".nested.template.json"))
    try:
        m = json.loads(read_text(manifest))
    except json.JSONDecodeError as e:
        raise TemplateError(f"manifest.json is not JSON: {e.msg}", source=str(manifest), line=e.lineno) from None
    artifacts = m.get("artifacts") if isinstance(m, dict) else None
    files = []
    for a in (artifacts if isinstance(artifacts, dict) else {}).values():
        props = a.get("properties") if isinstance(a, dict) and isinstance(a.get("properties"), dict) else {}
        if a.get("type") == "aws:cloudformation:stack" and isinstance(props.get("templateFile"), str):
            files.append(folder / props["templateFile"])
        elif a.get("type") == "cdk:cloud-assembly" and isinstance(props.get("directoryName"), str) and depth < 5:
            files += _stack_files(folder / props["directoryName"], depth + 1)
    return files


def _cdk_out(folder: Path, params, region) -> Template:
    """A `cdk.out` folder: the stack templates its manifest.json lists (or its *.template.json files)."""
    files = _stack_files(folder)
    if not files:
        raise TemplateError(
            "no stack template here: a cdk.out folder has a manifest.json listing its stacks "
            "(aws:cloudformation:stack) or *.template.json files",
            source=str(folder),
        )
    if len(files) > 1:
        names = ", ".join(f.name for f in files)
        raise TemplateError(
            f"{len(files)} stacks ({names}): give one of them (the *.template.json file) as --template",
            source=str(folder),
        )
    t = load(files[0], params, region)
    t.kind = "CDK"
    return t
