"""Settings: defaults run everything embedded; bad values name the setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from carbonledger.cli.common import settings_from
from carbonledger.config import Settings
from carbonledger.errors import ConfigError


@pytest.mark.usefixtures("clean_env")
def test_defaults_run_an_embedded_chain_in_a_local_data_directory() -> None:
    settings = Settings()
    assert settings.embedded_chain
    assert settings.effective_rpc_url == "http://127.0.0.1:8545"
    assert settings.data_dir == Path(".carbonledger").resolve()
    assert settings.state_path == settings.data_dir / "chain" / "state.json"


@pytest.mark.usefixtures("clean_env")
def test_an_rpc_url_replaces_the_embedded_chain() -> None:
    settings = Settings(rpc_url="http://besu.example:8545/")  # type: ignore[arg-type]
    assert not settings.embedded_chain
    assert settings.effective_rpc_url == "http://besu.example:8545"


@pytest.mark.usefixtures("clean_env")
def test_environment_variables_configure_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARBONLEDGER_CHAIN_PORT", "9545")
    monkeypatch.setenv("CARBONLEDGER_BLOCK_TIME", "0.5")
    settings = Settings()
    assert settings.chain_port == 9545
    assert settings.block_time == 0.5


@pytest.mark.usefixtures("clean_env")
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"chain_port": 70000}, "chain_port"),
        ({"rpc_url": "not a url"}, "rpc_url"),
        ({"deployer_key": "0x1234"}, "deployer_key"),
        ({"block_time": -1}, "block_time"),
    ],
)
def test_a_bad_setting_is_refused_naming_the_setting(
    overrides: dict[str, object], field: str
) -> None:
    with pytest.raises(ConfigError, match=rf"invalid setting {field}: "):
        settings_from(**overrides)
