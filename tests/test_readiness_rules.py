"""Tests of the readiness rule set and its overrides (:mod:`optimizer.readiness.rules`)."""

from __future__ import annotations

from typing import Any

import pytest

from geodata.instance import DEFAULT_NEEDS, READINESS_ITEMS
from geodata.report import DataError
from optimizer.readiness.rules import RuleSet, load_rules


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_rules()


def test_package_rules_cover_every_column_and_owner(rules: RuleSet) -> None:
    columns = {p.column for p in rules.preconditions}
    assert columns == {f"ready_{k}" for k in READINESS_ITEMS}
    owners = {p.key: p.owner_zh for p in rules.preconditions}
    assert owners["power"] == "供电服务中心"
    assert owners["gas"] == "燃气公司"
    assert owners["planning"] == "自然资源规划分局"
    assert owners["levelled"] == "土储中心"
    assert owners["water"] == owners["drainage"]
    assert {owners["assessment_env"], owners["assessment_energy"]} == {"生态环境局", "发改委"}
    assert rules.transfer_days >= 20 + 14  # announcement + ten working days of listing
    assert rules.standard_needs == DEFAULT_NEEDS


def test_override_dict_changes_merges_adds_and_drops(rules: RuleSet) -> None:
    r = load_rules(
        {
            "version": "sip-2025",
            "transfer_days": 60,
            "preconditions": {
                "gas": {"owner_zh": "港华燃气", "owner_en": "Towngas"},
                "heat": {"enabled": False},
                "fire": {
                    "name_zh": "消防通道",
                    "name_en": "fire access",
                    "column": "ready_road",
                    "applies_to": "all",
                    "owner_zh": "消防救援大队",
                    "owner_en": "fire brigade",
                },
            },
        }
    )
    by_key = {p.key: p for p in r.preconditions}
    assert r.version == "sip-2025" and r.transfer_days == 60
    assert by_key["gas"].owner_zh == "港华燃气"
    assert by_key["gas"].column == "ready_gas"  # untouched fields kept
    assert "heat" not in by_key
    assert by_key["fire"].applies_to == "all"
    assert len(r.preconditions) == len(rules.preconditions)


def test_override_file_then_dict(tmp_path: Any) -> None:
    f = tmp_path / "rules.yaml"
    f.write_text("transfer_days: 30\nstandard_land_needs: [water, power]\n", encoding="utf-8")
    r = load_rules({"transfer_days": 10}, path=f)
    assert r.transfer_days == 10
    assert r.standard_needs == frozenset({"water", "power"})


def test_override_bad_keys_all_reported() -> None:
    with pytest.raises(DataError) as exc:
        load_rules(
            {
                "transfer_dayz": 1,
                "transfer_days": "soon",
                "preconditions": {
                    "gas": {"colum": "ready_gas"},
                    "power": {"column": "ready_electricity"},
                    "water": {"applies_to": "need:lava"},
                    "fire": {"name_zh": "消防"},
                },
            },
            source="scenario.yaml",
        )
    texts = [p.text("en") for p in exc.value.report.errors]
    joined = "\n".join(texts)
    assert len(texts) == 6, joined
    assert "transfer_dayz" in joined
    assert "transfer_days" in joined
    assert "colum" in joined
    assert "ready_electricity" in joined
    assert "need:lava" in joined
    assert "fire" in joined and "name_en" in joined
    assert all(p.file == "scenario.yaml" for p in exc.value.report.errors)


def test_rules_file_not_yaml(tmp_path: Any) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text("transfer_days: [1,\n", encoding="utf-8")
    with pytest.raises(DataError) as exc:
        load_rules(path=f)
    assert exc.value.report.errors[0].code == "bad_yaml"
