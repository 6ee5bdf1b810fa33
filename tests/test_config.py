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
        ({"vault_wrap_reuse": -1}, "vault_wrap_reuse"),
        ({"database_pool_size": 1}, "database_pool_size"),
        ({"alert_database_connections": 1.5}, "alert_database_connections"),
    ],
)
def test_a_bad_setting_is_refused_naming_the_setting(
    overrides: dict[str, object], field: str
) -> None:
    with pytest.raises(ConfigError, match=rf"invalid setting {field}: "):
        settings_from(**overrides)


@pytest.mark.usefixtures("clean_env")
def test_two_listeners_on_one_port_are_refused_naming_both_settings() -> None:
    with pytest.raises(
        ConfigError, match="invalid settings chain_port and api_port: both are 9000"
    ):
        Settings(chain_port=9000, api_port=9000).check_ports(pact_host=False)
    with pytest.raises(ConfigError, match="invalid settings api_port and pact_port: both are 9443"):
        Settings(api_port=9443, pact_port=9443).check_ports(pact_host=True)
    with pytest.raises(ConfigError, match="chain_port and pact_port"):
        Settings(chain_port=9443, chain_host="0.0.0.0", pact_port=9443).check_ports(pact_host=True)


@pytest.mark.usefixtures("clean_env")
def test_one_port_is_allowed_where_the_listeners_cannot_collide() -> None:
    # the PACT host is not started (``serve``, the demo)
    Settings(api_port=9443, pact_port=9443).check_ports(pact_host=False)
    # a chain elsewhere: no embedded node listens
    Settings(rpc_url="http://besu.example:9000", api_port=9000).check_ports(pact_host=True)  # type: ignore[arg-type]
    # two interfaces
    Settings(chain_host="10.0.0.5", chain_port=9000, api_port=9000).check_ports(pact_host=True)


# --- keys and modes (issue 16) ---


@pytest.mark.usefixtures("clean_env")
def test_dev_mode_uses_the_development_keys_and_production_refuses_them() -> None:
    from carbonledger.config import ANVIL_DEV_KEY_0, ANVIL_DEV_KEY_9, development_keys

    dev = Settings()
    assert not dev.production
    assert (dev.keys().deployer, dev.keys().service) == (ANVIL_DEV_KEY_0, ANVIL_DEV_KEY_9)
    assert len(development_keys()) == 20
    url = "http://besu.example:8545"
    with pytest.raises(ConfigError, match="CARBONLEDGER_DEPLOYER_KEY_FILE"):
        Settings(rpc_url=url).keys()  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="well-known development key"):
        Settings(rpc_url=url, deployer_key=ANVIL_DEV_KEY_0).keys()  # type: ignore[arg-type]
    forced = Settings(rpc_url=url, mode="dev")  # type: ignore[arg-type]
    assert forced.keys().deployer == ANVIL_DEV_KEY_0


@pytest.mark.usefixtures("clean_env")
def test_keys_come_from_a_keystore_or_a_hex_key_file(tmp_path: Path) -> None:
    import json

    from eth_account import Account

    deployer, service = Account.create(), Account.create()
    keystore = tmp_path / "deployer.json"
    keystore.write_text(json.dumps(Account.encrypt(deployer.key, "pw")))
    hex_file = tmp_path / "service.key"
    hex_file.write_text(bytes(service.key).hex() + "\n")
    settings = Settings(
        rpc_url="http://besu.example:8545",  # type: ignore[arg-type]
        deployer_key_file=keystore,
        service_key_file=hex_file,
        keystore_password="pw",  # type: ignore[arg-type]
    )
    keys = settings.keys()
    assert keys.deployer == "0x" + bytes(deployer.key).hex()
    assert keys.service == "0x" + bytes(service.key).hex()
    assert "0x" not in repr(keys)  # never printed
    wrong = settings.model_copy(update={"keystore_password": None})
    with pytest.raises(ConfigError, match="CARBONLEDGER_KEYSTORE_PASSWORD"):
        wrong.keys()
