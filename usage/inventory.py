"""What the import found in the account: the resources selected, their configuration, and what could not be
read. Plain data, apart from usage/discovery.py, which reads it from AWS: the demo account builds one too, and
the app's first page should not wait for botocore (about 90 ms) to import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Selector:
    kind: str = "all"  # all | tag | stack | prefix
    key: str = ""  # tag key, stack name or name prefix
    value: str = ""  # tag value

    def describe(self) -> str:
        return {
            "all": "all resources",
            "tag": f"tag {self.key}={self.value}",
            "stack": f"stack {self.key}",
            "prefix": f"name prefix {self.key!r}",
        }[self.kind]


@dataclass
class FunctionConfig:
    name: str
    memory_mb: int = 128
    architecture: str = "x86_64"
    ephemeral_storage_mb: int = 512
    provisioned_concurrency: int = 0
    provisioned_qualifiers: list[str] = field(default_factory=list)  # aliases/versions carrying it
    config_known: bool = True  # False: ListFunctions was denied, defaults assumed


@dataclass
class Route:
    key: str  # "$connect", "$default", "sendmessage"...
    function: str | None = None  # the Lambda function behind its integration, when there is one


@dataclass
class WebsocketConfig:
    api_id: str
    name: str
    routes: list[Route] = field(default_factory=list)
    stages: list[str] = field(default_factory=list)
    detailed_routes: dict[str, list[str]] = field(default_factory=dict)  # stage -> routes with detailed metrics
    created: datetime | None = None

    def functions(self) -> list[str]:
        return sorted({r.function for r in self.routes if r.function})


@dataclass
class TableConfig:
    name: str
    capacity: str = "on_demand"  # on_demand | provisioned
    table_class: str = "standard"  # standard | standard_ia
    read_capacity: float = 0.0  # provisioned RCU, table plus its GSIs (billed alike)
    write_capacity: float = 0.0
    size_bytes: int = 0  # table plus GSI storage
    gsis: list[str] = field(default_factory=list)
    created: datetime | None = None
    config_known: bool = True  # False: DescribeTable was denied, defaults assumed


@dataclass(frozen=True)
class Missing:
    what: str
    permission: str | None  # IAM action that was denied; None when the cause is something else
    reason: str


@dataclass
class Inventory:
    region: str
    selector: Selector
    functions: dict[str, FunctionConfig] = field(default_factory=dict)
    websockets: dict[str, WebsocketConfig] = field(default_factory=dict)  # by API id
    tables: dict[str, TableConfig] = field(default_factory=dict)
    missing: list[Missing] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    logical_ids: dict[str, str] = field(default_factory=dict)  # physical name (API id) -> stack logical ID

    def is_empty(self) -> bool:
        return not (self.functions or self.websockets or self.tables)
