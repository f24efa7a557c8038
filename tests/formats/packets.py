"""Packets of other formats than CRS, sealed as the partner authority sends them, and their answers opened."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lxml import etree

from crypto import PacketRequest, Profile, ReceivingContext, create_packet, open_packet
from crypto.provision import AuthorityFolders
from exchange.cli.main import main
from tests.validation.packets import Receiver


def seal_as(receiver: Receiver, document: bytes, communication_type: str, sender: str = "NL") -> Path:
    folders = receiver.benelux[sender]
    created = create_packet(
        document,
        PacketRequest(Profile.CTS, sender, "BE", communication_type, tax_year=2025),
        signer=folders.keyring().signing_pair(sender),
        receiver_certificate=folders.trust().encryption_certificate("BE"),
        directory=receiver.folder,
    )
    path = receiver.folder / f"packet-{len(list(receiver.folder.glob('packet-*')))}.zip"
    path.write_bytes(created.path.read_bytes())
    return path


def process(receiver: Receiver, packet: Path) -> tuple[int, dict[str, Any]]:
    receiver.capsys.readouterr()
    exit_code = main(["process", "--json", "--answer-dir", str(receiver.folder / "answers"), str(packet)])
    return exit_code, json.loads(receiver.capsys.readouterr().out)


def opened_answer(result: dict[str, Any], recipient: AuthorityFolders) -> tuple[str, etree._Element]:
    """The answer's communication type and its status message, as the sender opens them."""
    context = ReceivingContext(keyring=recipient.keyring(), trust=recipient.trust())
    with open_packet(Path(result["answer_path"]).read_bytes(), context) as opened:
        kind = opened.metadata.communication_type
        document = opened.stream.read()
        opened.verdict()
    return kind, etree.fromstring(document)
