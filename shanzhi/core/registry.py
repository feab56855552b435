"""Small registries through which each app adds itself to shared pages (menu, home panels,
demo loader) without editing another app's files."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class MenuItem:
    section: str  # lazy-translated group heading
    label: str
    url_name: str
    roles: frozenset[str] | None = None  # None: every signed-in user
    permission: str | None = None
    order: int = 100
    icon: str = ""
    # Optional finer test than role and permission, e.g. "on the dispatch desk".
    visible: Callable[[Any], bool] | None = None


def _nothing() -> None:
    pass


@dataclass(frozen=True)
class SettingKey:
    """One known `core.SiteSetting` key, as the admin's Settings page lists and offers it."""

    key: str
    default: Any
    description: str = ""  # lazy-translated, one line


@dataclass
class Registry:
    menu: list[MenuItem] = field(default_factory=list)
    # role -> list of callables(request) -> dict(title=…, template=…, context…) or None
    home_panels: dict[str, list[tuple[int, Callable]]] = field(default_factory=dict)
    # ordered demo loaders: (order, name, callable(stdout) -> None)
    demo_loaders: list[tuple[int, str, Callable]] = field(default_factory=list)
    # periodic jobs: (name, every_seconds, callable() -> None)
    periodic: list[tuple[str, int, Callable]] = field(default_factory=list)
    # model label ("orgs.Department") -> callables(obj) -> a sentence saying what still needs
    # the record (e.g. "3 open cases are handled by it"), or "" — soft deletion is refused then
    deletion_blockers: dict[str, list[Callable]] = field(default_factory=dict)
    # key prefix ("cases.") -> (validate(key, value) raising ValidationError, changed() clearing
    # the app's caches): how the admin's Settings page checks and applies a value
    settings: dict[str, tuple[Callable, Callable]] = field(default_factory=dict)
    # key -> SettingKey: the keys an app reads, with their defaults and what they mean (the
    # admin lists them, so that nobody has to look key names up in the code)
    setting_keys: dict[str, SettingKey] = field(default_factory=dict)

    def add_menu(self, item: MenuItem) -> None:
        if item not in self.menu:
            self.menu.append(item)

    def add_home_panel(self, roles: list[str], func: Callable, order: int = 100) -> None:
        for role in roles:
            panels = self.home_panels.setdefault(role, [])
            if all(f is not func for _, f in panels):
                panels.append((order, func))

    def add_demo_loader(self, order: int, name: str, func: Callable) -> None:
        if all(n != name for _, n, _f in self.demo_loaders):
            self.demo_loaders.append((order, name, func))

    def add_periodic(self, name: str, every_seconds: int, func: Callable) -> None:
        if all(n != name for n, _s, _f in self.periodic):
            self.periodic.append((name, every_seconds, func))

    def add_deletion_blocker(self, model_label: str, func: Callable) -> None:
        funcs = self.deletion_blockers.setdefault(model_label, [])
        if func not in funcs:
            funcs.append(func)

    def add_settings(self, prefix: str, validate: Callable, changed: Callable | None = None) -> None:
        """`changed`: what clears the app's cache of these settings (none: it reads the rows
        each time)."""
        self.settings[prefix] = (validate, changed or _nothing)

    def add_setting_keys(self, defaults: dict[str, Any], descriptions: dict[str, Any]) -> None:
        for key, default in defaults.items():
            self.setting_keys[key] = SettingKey(key, default, descriptions.get(key, ""))

    def settings_for(self, key: str) -> tuple[Callable, Callable] | None:
        return next((v for prefix, v in self.settings.items() if key.startswith(prefix)), None)

    def known_settings(self) -> list[SettingKey]:
        """The keys some app checks (its prefix is registered), by key."""
        return sorted(
            (k for k in self.setting_keys.values() if self.settings_for(k.key) is not None), key=lambda k: k.key
        )

    def blockers_of(self, obj) -> list[str]:
        """What still needs `obj`, in sentences (empty: it may be retired)."""
        return [s for func in self.deletion_blockers.get(obj._meta.label, []) if (s := func(obj))]


registry = Registry()
