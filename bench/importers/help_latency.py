"""Import HELP's latency tables: ``nb201-latency/help``, ``fbnet-latency/help``, ``ofa-latency/help``.

HELP (Lee et al., NeurIPS 2021) publishes one ``.pt`` file per device setting under
``data/{nasbench201,fbnet,ofa}/latency/``. Each is a torch zip archive whose ``data.pkl`` is a plain
list of floats (one per architecture, in the order of the space's architecture list), so it is
read with :mod:`zipfile` and a restricted unpickler that admits only plain Python values (and
numpy scalars, for OFA's resolutions): no torch, and nothing in the file can run code.

* NB201: lists are in NB201 index order; ``str_arch2idx.pt`` is checked to map every cell string
  to the NB201 index this package computes before any value is used.
* FBNet: ``metainfo.pt`` lists the 5,000 architectures as 22 block choices (``op_idx_list``,
  0..8) with their block names; the benchmark is a ``sequence`` space of 22 positions x 9 blocks.
* OFA: ``ofa_archs.pt`` lists 5,000 MobileNetV3 OFA subnets as kernel sizes ``ks`` (20),
  expand ratios ``e`` (20), stage depths ``d`` (5) and resolution ``r``; the benchmark is a
  ``sequence`` space over those 46 positions. ``ks``/``e`` entries of layers beyond a stage's depth
  are inactive in OFA but kept as released (no two rows coincide once they are masked; checked).

Unit: milliseconds. HELP's files do not state it; it was verified against HELP's README (Table 4
lists measured latencies in ms of NB201 cells found by MetaD2A + HELP on ``titan_rtx_256``,
``gold_6226``, ``pixel2``, ``eyeriss`` and ``fpga``; the stored values of those cells match).
HELP does not say which devices it measured itself and which it took from HW-NAS-Bench
(``pixel3``, ``raspi4``, ``eyeriss``, ``fpga`` share its device names) or BRP-NAS.
"""

from __future__ import annotations

import io
import os
import pickle
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.errors import UsageError
from bench.importers.provenance import PublishedFile, VerifiedFile, provenance_meta, verify
from bench.spaces.nb201 import N_CELLS, NB201Space
from bench.spaces.sequence import SequenceSpace
from bench.store import LabelInfo, StoreContents

REPO = "HayeonLee/HELP"
COMMIT = "45f70eb92d0d735970a33b608d1544ad3c52f285"
LICENSE = "MIT (HayeonLee/HELP)"
CITATION = (
    "Lee, Lee, Chong, Hwang. HELP: Hardware-Adaptive Efficient Latency Prediction for NAS via Meta-Learning. "
    "NeurIPS 2021 (github.com/HayeonLee/HELP)."
)
PROVENANCE_NOTE = (
    "HELP does not state which device settings it measured itself and which it compiled from earlier "
    "benchmarks (pixel3, raspi4, eyeriss and fpga share HW-NAS-Bench's device names; the integer-valued phone "
    "settings resemble BRP-NAS); this was not verified."
)
UNIT_NOTE = (
    "ms: not stated in the files; verified against HELP's README Table 4 (measured latency in ms of NB201 "
    "cells on titan_rtx_256, gold_6226, pixel2, eyeriss and fpga matches the stored values)"
)

#: sha256 of every file this importer reads, by path under HELP's ``data/`` folder
SHA256: dict[str, str] = {
    "nasbench201/str_arch2idx.pt": "e1d7b7cc7cf51d7c3cd6f9e726e7395bea87d7ba674e26202fb8633f963aef0d",
    "fbnet/metainfo.pt": "2d612b214ba2e446ec3f0b7e4f56a5f683ab2370dd09fc120d2e66ad78c2107b",
    "ofa/ofa_archs.pt": "77787b5c3e208b130282d4e239c1bb56e76fbb8f7d7f374c4fcc63df4970d574",
    "nasbench201/latency/1080ti_1.pt": "4028f52b2c2441da126932e3827ae11a7f76d39818c4374c1b9ab9df236e23f4",
    "nasbench201/latency/1080ti_256.pt": "435af0ccfab01f5dc55dc9f2e8b90ca37b396b2656e327bba5ee0b6eb9c24464",
    "nasbench201/latency/1080ti_32.pt": "affce4fcdcf6f28622365995ef2ec018bb07d448add59f80633c0978c393cdea",
    "nasbench201/latency/2080ti_1.pt": "38cf0e8f698abf8696c69b41a358fe9ddedf5d54cb1ae6f85b04dd8a8f89a1b3",
    "nasbench201/latency/2080ti_256.pt": "daee655c44c46955d8318ddf0fa39254e70bab1ae723a6abc53d7b7e4e1561ae",
    "nasbench201/latency/2080ti_32.pt": "ebc603ad325850663fc56c8e0fde52fadea28e585a8405864baa20f986eaf29d",
    "nasbench201/latency/essential_ph_1.pt": "a97165c8669a216b9ca046041c83a07352bd07f2a42e2d8fea8b51e7ddbcabf0",
    "nasbench201/latency/eyeriss.pt": "6f1dd2f8c0442289a09ab78e63e49bde96489f6d455cc33d5fa5aed37edb5d03",
    "nasbench201/latency/fpga.pt": "6a0333c1476a3ab039d8c39e5d42ac99efe9e7f3ff521289569013fa84233b28",
    "nasbench201/latency/gold_6226.pt": "6a00f63d14f67f8007ec04519f638a90aa6ed5357cf5c0e60c391df37f186c99",
    "nasbench201/latency/gold_6240.pt": "ac6dd41f183de69bba21dec3954ac73333b7dec871e0defbcce0572d82536890",
    "nasbench201/latency/pixel2.pt": "051845ddefc2bc138f21e2217f6c7827fe280c78375cbfb4b5bd252a888cb950",
    "nasbench201/latency/pixel3.pt": "cf1387da12e06b1d4541ce85f3ca4869d551084e09daf4acf024b6e21a80d465",
    "nasbench201/latency/raspi4.pt": "2fae425c50bcaef7aacc5391244cd0af98bfc7fba689a8741e461cb18192f57c",
    "nasbench201/latency/samsung_a50.pt": "0872cb4ec8ecc7ea1b3bd8c98dd705f2d0f6e4940f3af833b313e484de39b155",
    "nasbench201/latency/samsung_s7.pt": "dbae32364b882022adb044b2aa1af77b66f43a180930d9be4d4c13532429f0ea",
    "nasbench201/latency/silver_4114.pt": "0cce9dc9ba62ad81c21275298a88cb0e4534db6474a878f089df0abb13293421",
    "nasbench201/latency/silver_4210r.pt": "f976049bda39abde94b8f8cac90140cb78a5069fc145c462d6d6bc2f8450727a",
    "nasbench201/latency/titan_rtx_1.pt": "a854dac331e2a37d7dcd6ee1f63d1bc6d73ead3aeb0a86f803f45ea1b294859e",
    "nasbench201/latency/titan_rtx_256.pt": "cff1fba40b1743d3716cfb74c86ac2463d0682c146f356fa9095ac0d02dfb2a5",
    "nasbench201/latency/titan_rtx_32.pt": "1258bee5501fe191530b9898a4f55a122ab30beec9c6ea74598c47a0173babed",
    "nasbench201/latency/titanx_1.pt": "3461cc686263bd0ce4d4cd915bfc2fe067deb139cc68da387741bd6443434cb0",
    "nasbench201/latency/titanx_256.pt": "04ddb80719515687bd3d722235cd5da821b50bd453a9e580b1e9d321dfb92941",
    "nasbench201/latency/titanx_32.pt": "9c4ca69131e34451fb1e104caa47efbe12ffec3cc47bf051613674d7af044ff2",
    "nasbench201/latency/titanxp_1.pt": "935aa0041c6592bed90f2f94ff3b4d40e892c066467864b704e6583682a57b20",
    "nasbench201/latency/titanxp_256.pt": "9f03206bc62b0dcfc882820de07f55dc1fb7f43f57dfc977e4f0f4b019cb5041",
    "nasbench201/latency/titanxp_32.pt": "4b6db63c7a9fb55177aa2649d70031dd86d2ed1609467ef5803dc1089a73cb1b",
    "fbnet/latency/1080ti_1.pt": "e8dc124d658407e6e8f2cc0642162bae3ce2b56c8dee44b4bc629f2ac8ca4c28",
    "fbnet/latency/1080ti_32.pt": "74c5c9801b4e6b7d0cb2fdd3c2d953fc9eea7569da9b9dbb5438c2c2b8687b85",
    "fbnet/latency/1080ti_64.pt": "ec8e443e814c739df4d7153bf1902b64b987e1e158bc780fa3579d4e481ba462",
    "fbnet/latency/2080ti_1.pt": "bc8ef435a048c8c44d5ab0b5636c9366bded86fcade1fd79c1bea2e0558e4fd7",
    "fbnet/latency/2080ti_32.pt": "35ade96b5e88c60f9a176909b7dfe8033830f983a212b89379e557c1c98f93c1",
    "fbnet/latency/2080ti_64.pt": "038c6438091fecb536c5e1fc70da13cbb2d99b4ef7ba44a7c545d2b141ec7654",
    "fbnet/latency/essential_ph_1.pt": "0855ddb3f4fbb17e0dea2ed252a1aac3c720590ec13c2b3c946d50dcc3a7915d",
    "fbnet/latency/eyeriss.pt": "eaf78708634cdada3fa52971a91fa851c41a3a3edc213c7d5dd3dc81ad205e7f",
    "fbnet/latency/fpga.pt": "f1f0542554cf205f93593814d9e5012df90139043c1b878a24d36d66b0a5adaf",
    "fbnet/latency/gold_6226.pt": "77a15ae6276ba8e5343fb3d2b9e7dd995629b0cca92af282d12619002745560c",
    "fbnet/latency/gold_6240.pt": "b3f7f9e419b67d2f5b2d6392f4968ea9a7a23f3078a4a8c882016ab72921dc3f",
    "fbnet/latency/pixel2.pt": "da0b0da71fc6195232a92d0cf2c23a4176756c8fbb600c74b3cc99d6c2e69d88",
    "fbnet/latency/pixel3.pt": "ccd89872782b2c4f4c7b163e65983cffb7a14782b3a03f2837ccf5083f00ebd8",
    "fbnet/latency/raspi4.pt": "51a9da87b02efb1a6ebd42e312c324abdaac0e75dbfc84825dff92b0804a44af",
    "fbnet/latency/samsung_a50.pt": "378f93b6a278598470d354073d983ffaa0e80f72884b5370da3bb70b6a8e0f1d",
    "fbnet/latency/samsung_s7.pt": "82660d5aa1839480d57c4b0188de510583f43f9c4b808eb5094a03280e8fe7eb",
    "fbnet/latency/silver_4114.pt": "908e18175a31ec455f63292025bba736ad1e52831950c15e472ce1670048ce94",
    "fbnet/latency/silver_4210r.pt": "e1732f783606639d40cb3ac40903e05c8dc06797be024c0643e8d14e7e270de5",
    "fbnet/latency/titan_rtx_1.pt": "d13dc078b2a0e4c9d984f29d48f26f5659cddd2d2f83f753a5b1c3f7999af337",
    "fbnet/latency/titan_rtx_32.pt": "3607673cd6a40a8290678b85d88d27c67429e8366394965c5f0d0fd649cf6f22",
    "fbnet/latency/titan_rtx_64.pt": "066bd14333eb53ce2076c290bdb8944db4919444a77813158580ff3bfa57901f",
    "fbnet/latency/titanx_1.pt": "2ab7914e5effece2a2e9c1f5f73826adc0e6c371a63802e91234a65936eb3068",
    "fbnet/latency/titanx_32.pt": "667e020f5d3977d347d0969c6e67362892ec5e0b483c10791f5de25eb1c196b4",
    "fbnet/latency/titanx_64.pt": "f2d09f8de4d6efbc6c504c3812eacbc9717bf813d1fcc55cae6ce5de405d2277",
    "fbnet/latency/titanxp_1.pt": "a4da9d78c7f3f39640051bcf3d843f26447254d50cab3beabdbab64e07fe27dd",
    "fbnet/latency/titanxp_32.pt": "fb059a030b7c0f9c80357122d81e3c336c50ddbbab82eae8e1a0d0435fe92208",
    "fbnet/latency/titanxp_64.pt": "6571f75d29bdbde84c1973b4e9d8e7a7205eae03d06299d1a5390b3c2939a888",
    "ofa/latency/2080ti_1.pt": "fd02a4aa46d7ab468d9214ae20b73cbb58fd8d7a857df98861d83383744f9ca9",
    "ofa/latency/2080ti_32.pt": "0a40f72137451914e4296d8911c92429af357556c7caa5aa74803e17b2948eb6",
    "ofa/latency/2080ti_64.pt": "6b5b8ae9a25aa5c7df2a96c0e5d6baa91a0566fa935e8fcd709809fbfdee1bd8",
    "ofa/latency/titan_rtx_1.pt": "b308b08490eaf5af871bc0c5712a105e23c952ff55c5277abbc90e0ff7acf65a",
    "ofa/latency/titan_rtx_32.pt": "418618fe00b90d3495b2b4147689debb302dddcd038126c376b2bc4aef2867cf",
    "ofa/latency/titan_rtx_64.pt": "33bb74ee6430fb136ca00c41821842cf511eee5f28080b7745e6216e91d87b42",
    "ofa/latency/titan_xp_1.pt": "ab157a674a7ba7ad536a0afba7a791ab49fa5f3dbafa5f9628170b48030c2733",
    "ofa/latency/titan_xp_32.pt": "8e362f53dd522e6c26c54c7b4806301d3465947edf0935c9c1479aefee0271b6",
    "ofa/latency/titan_xp_64.pt": "9b377dc3de2c4ff12c735331762d7f957aa789a41583693082f33abfc4d6e018",
    "ofa/latency/v100_1.pt": "277d012e6c82cf20abee447edadd22da992a921de5e74376970a369466a48907",
    "ofa/latency/v100_32.pt": "41643776a003adeb16ec57314b1bd1d5145a12c3616c686161debdb7e45ea9e8",
    "ofa/latency/v100_64.pt": "577f48672ed029b11cbb66126ca92d4542f18472e2157965a4ec6852a327dfa2",
}

#: device kinds of HELP's settings
KINDS = ("gpu", "cpu", "mobile", "asic", "fpga")
#: device prefix of a setting -> (device name, kind)
DEVICES: dict[str, tuple[str, str]] = {
    "1080ti": ("NVIDIA GeForce GTX 1080 Ti", "gpu"),
    "2080ti": ("NVIDIA GeForce RTX 2080 Ti", "gpu"),
    "titan_rtx": ("NVIDIA Titan RTX", "gpu"),
    "titanx": ("NVIDIA GeForce GTX Titan X", "gpu"),
    "titanxp": ("NVIDIA Titan Xp", "gpu"),
    "titan_xp": ("NVIDIA Titan Xp", "gpu"),
    "v100": ("NVIDIA Tesla V100", "gpu"),
    "gold_6226": ("Intel Xeon Gold 6226", "cpu"),
    "gold_6240": ("Intel Xeon Gold 6240", "cpu"),
    "silver_4114": ("Intel Xeon Silver 4114", "cpu"),
    "silver_4210r": ("Intel Xeon Silver 4210R", "cpu"),
    "raspi4": ("Raspberry Pi 4 (ARM Cortex-A72 CPU)", "cpu"),
    "pixel2": ("Google Pixel 2", "mobile"),
    "pixel3": ("Google Pixel 3", "mobile"),
    "samsung_a50": ("Samsung Galaxy A50", "mobile"),
    "samsung_s7": ("Samsung Galaxy S7", "mobile"),
    "essential_ph_1": ("Essential Phone PH-1", "mobile"),
    "eyeriss": ("Eyeriss (ASIC accelerator)", "asic"),
    "fpga": ("FPGA", "fpga"),
}

#: HELP's own meta-learning split of the NB201/FBNet/OFA settings (README), useful for transfer studies
HELP_ROLES: dict[str, dict[str, str]] = {
    "nasbench201": {
        **dict.fromkeys(["1080ti_1", "1080ti_32", "1080ti_256", "silver_4114", "silver_4210r", "samsung_a50", "pixel3",
                         "essential_ph_1", "samsung_s7"], "meta-train"),
        **dict.fromkeys(["titanx_1", "titanx_32", "titanx_256", "gold_6240"], "meta-valid"),
        **dict.fromkeys(["titan_rtx_256", "gold_6226", "fpga", "pixel2", "raspi4", "eyeriss"], "meta-test"),
    },
    "fbnet": {
        **dict.fromkeys(["1080ti_1", "1080ti_32", "1080ti_64", "silver_4114", "silver_4210r", "samsung_a50", "pixel3",
                         "essential_ph_1", "samsung_s7"], "meta-train"),
        **dict.fromkeys(["titanx_1", "titanx_32", "titanx_64", "gold_6240"], "meta-valid"),
        **dict.fromkeys(["fpga", "raspi4", "eyeriss"], "meta-test"),
    },
    "ofa": {
        **dict.fromkeys(["2080ti_1", "2080ti_32", "2080ti_64", "titan_xp_1", "titan_xp_32", "titan_xp_64", "v100_1",
                         "v100_32", "v100_64"], "meta-train"),
        **dict.fromkeys(["titan_rtx_1", "titan_rtx_32"], "meta-valid"),
        "titan_rtx_64": "meta-test",
    },
}

#: FBNet's 9 candidate blocks in HELP's op index order (checked against metainfo.pt's names)
FBNET_BLOCKS = ("k3_e1", "k3_e1_g2", "k3_e3", "k3_e6", "k5_e1", "k5_e1_g2", "k5_e3", "k5_e6", "skip")
FBNET_LAYERS = 22
OFA_KS, OFA_E, OFA_D = ("3", "5", "7"), ("3", "4", "6"), ("2", "3", "4")
OFA_RESOLUTIONS = tuple(str(r) for r in range(128, 225, 4))
OFA_LAYERS, OFA_STAGES = 20, 5


@dataclass(frozen=True)
class Family:
    """One HELP search space folder and the benchmark it becomes."""

    folder: str
    benchmark: str
    archs_file: str
    dataset: str


FAMILIES = (
    Family("nasbench201", "nb201-latency/help", "nasbench201/str_arch2idx.pt", "cifar10 (NB201 network, 32x32 input)"),
    Family("fbnet", "fbnet-latency/help", "fbnet/metainfo.pt", "cifar100 (per metainfo.pt)"),
    Family("ofa", "ofa-latency/help", "ofa/ofa_archs.pt", "imagenet (per ofa_archs.pt)"),
)
BENCHMARKS = tuple(f.benchmark for f in FAMILIES)


def settings(folder: str) -> list[str]:
    """Device settings of a family, e.g. ``titan_rtx_256`` (file stems under ``<folder>/latency/``)."""
    prefix = f"{folder}/latency/"
    return sorted(p[len(prefix):-3] for p in SHA256 if p.startswith(prefix))


def describe_setting(setting: str) -> dict[str, Any]:
    """Device name, kind and batch size of a setting key; GPU keys end in the batch size."""
    head, _, tail = setting.rpartition("_")
    if head in DEVICES and DEVICES[head][1] == "gpu" and tail.isdigit():
        device, kind = DEVICES[head]
        return {"device": device, "kind": kind, "batch_size": int(tail), "setting": setting}
    if setting not in DEVICES:
        raise UsageError(f"unknown HELP device setting {setting!r}")
    device, kind = DEVICES[setting]
    return {"device": device, "kind": kind, "batch_size": None, "setting": setting}


class _PlainUnpickler(pickle.Unpickler):
    """Admits plain Python values and numpy scalars only; torch tensors (persistent ids) are refused."""

    _ALLOWED = {("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"), ("numpy", "dtype"),
                ("_codecs", "encode")}

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"unexpected object {module}.{name} in a HELP data file")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return super().find_class(module, name)

    def persistent_load(self, pid: Any) -> Any:
        raise pickle.UnpicklingError("HELP data files hold plain lists; this one references tensor storage")


def read_pt(path: str | os.PathLike[str]) -> Any:
    """The object pickled in a torch zip archive (``<name>/data.pkl``), read without torch."""
    try:
        with zipfile.ZipFile(path) as z:
            members = [n for n in z.namelist() if n.endswith("/data.pkl") or n == "data.pkl"]
            if len(members) != 1:
                raise UsageError(f"{path}: not a torch zip archive with one data.pkl")
            raw = z.read(members[0])
    except zipfile.BadZipFile:
        raise UsageError(f"{path}: not a torch zip archive (legacy torch.save format is not supported)") from None
    try:
        return _PlainUnpickler(io.BytesIO(raw)).load()
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
        raise UsageError(f"{path}: {exc}") from None


def data_root(path: str | os.PathLike[str]) -> Path:
    """HELP's ``data/`` folder: ``path`` itself, or ``path/data`` for a repository checkout."""
    path = Path(path).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist (expected HELP's data/ folder or a HELP checkout)")
    for root in (path / "data", path):
        if any((root / f.folder / "latency").is_dir() for f in FAMILIES):
            return root
    raise UsageError(f"{path} holds no HELP data (expected nasbench201/, fbnet/ or ofa/ with a latency/ folder, "
                     f"as in github.com/{REPO} data/)")


class _Reader:
    """Locates, verifies and reads HELP files below one data root, remembering what was read."""

    def __init__(self, root: Path, allow_unknown: bool) -> None:
        self.root = root
        self.allow_unknown = allow_unknown

    def published(self, rel: str) -> PublishedFile:
        return PublishedFile(REPO, COMMIT, f"data/{rel}", SHA256[rel])

    def read(self, rel: str, files: list[VerifiedFile]) -> Any:
        path = self.root / rel
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing (HELP data/{rel}, {self.published(rel).url})")
        files.append(verify(path, self.published(rel), self.allow_unknown))
        return read_pt(path)


def _latency_labels(reader: _Reader, family: Family, n: int, files: list[VerifiedFile],
                    order: np.ndarray) -> dict[str, tuple[np.ndarray, LabelInfo]]:
    labels = {}
    for setting in settings(family.folder):
        rel = f"{family.folder}/latency/{setting}.pt"
        values = reader.read(rel, files)
        if not isinstance(values, list) or len(values) != n:
            raise UsageError(f"{reader.root / rel}: expected a list of {n} latencies")
        y = np.asarray(values, dtype=np.float64)[order]
        info = describe_setting(setting)
        integer = bool(np.all(y == np.round(y)))
        batch = f"batch size {info['batch_size']}" if info["batch_size"] else "batch size not stated by HELP"
        labels[f"latency_{setting}"] = (y, LabelInfo(
            name=f"latency_{setting}", unit="ms", split="none", epochs=None,
            seed_reduction="as released by HELP (repetitions and their reduction not stated)",
            higher_is_better=False, source=f"github.com/{REPO}@{COMMIT[:12]} data/{rel}",
            description=f"inference latency on {info['device']} ({info['kind']}), {batch}"
                        + ("; integer-valued in the source (whole ms)" if integer else ""),
            extra={**info, "unit_check": UNIT_NOTE, "help_role": HELP_ROLES[family.folder].get(setting, "none"),
                   "network_dataset": family.dataset},
        ))
    return labels


def _meta(family: Family, files: list[VerifiedFile], description: str) -> dict[str, Any]:
    return {
        "source": f"github.com/{REPO}@{COMMIT} data/{family.folder}/",
        "source_version": f"git {COMMIT}",
        "license": LICENSE,
        "citation": CITATION,
        **provenance_meta(files),
        "dataset": family.dataset,
        "description": description,
        "note_provenance": PROVENANCE_NOTE,
        "note_unit": UNIT_NOTE,
    }


def _nb201(reader: _Reader, family: Family) -> StoreContents:
    files: list[VerifiedFile] = []
    index = reader.read(family.archs_file, files)
    space = NB201Space()
    if not isinstance(index, dict) or len(index) != N_CELLS:
        raise UsageError(f"{family.archs_file}: expected a dict of {N_CELLS} NB201 strings")
    strings = list(index)
    listed = np.asarray([index[s] for s in strings], dtype=np.int64)
    ids = space.to_ids(np.stack([space.parse(s) for s in strings]))
    if not np.array_equal(listed, ids):
        bad = int(np.flatnonzero(listed != ids)[0])
        raise UsageError(f"{family.archs_file}: {strings[bad]!r} is listed as {listed[bad]}, but it is NB201 cell "
                         f"{ids[bad]}")
    if not np.array_equal(np.sort(listed), np.arange(N_CELLS)):
        raise UsageError(f"{family.archs_file}: indices are not 0..{N_CELLS - 1}")
    # latency list position p holds the cell whose NB201 index is p
    labels = _latency_labels(reader, family, N_CELLS, files, np.arange(N_CELLS))
    ids = np.arange(N_CELLS, dtype=np.int64)
    codes = space.from_ids(ids)
    return StoreContents(
        benchmark=family.benchmark, space="nb201", space_config=space.config(), ids=ids,
        strings=space.to_strings(codes), codes=codes, source_keys=ids.copy(), labels=labels,
        iso_class=space.iso_class(codes),
        meta=_meta(family, files, "All 15,625 NB201 cells (CIFAR-10 network): inference latency on 27 HELP "
                                  "device settings (GPUs at batch 1/32/256, CPUs, phones, Raspberry Pi 4, Eyeriss "
                                  "ASIC, FPGA)"),
    )


def _sequence_contents(
    family: Family, space: SequenceSpace, codes: np.ndarray,
    labels_of: Callable[[np.ndarray], dict[str, tuple[np.ndarray, LabelInfo]]], files: list[VerifiedFile],
    description: str,
) -> StoreContents:
    """Rows sorted by id; ``labels_of(order)`` reads each latency list in that row order."""
    ids = space.to_ids(codes)
    if len(np.unique(ids)) != len(ids):
        raise UsageError(f"{family.archs_file}: architectures are not unique")
    order = np.argsort(ids, kind="stable")
    labels = labels_of(order)
    return StoreContents(
        benchmark=family.benchmark, space="sequence", space_config=space.config(), ids=ids[order],
        strings=space.to_strings(codes[order]), codes=codes[order], source_keys=order.astype(np.int64),
        labels=labels, meta=_meta(family, files, description),
    )


def fbnet_space() -> SequenceSpace:
    return SequenceSpace.uniform(FBNET_LAYERS, FBNET_BLOCKS, [f"layer{i}" for i in range(FBNET_LAYERS)])


def ofa_space() -> SequenceSpace:
    choices = [OFA_KS] * OFA_LAYERS + [OFA_E] * OFA_LAYERS + [OFA_D] * OFA_STAGES + [OFA_RESOLUTIONS]
    names = ([f"ks[{i}]" for i in range(OFA_LAYERS)] + [f"e[{i}]" for i in range(OFA_LAYERS)]
             + [f"d[{i}]" for i in range(OFA_STAGES)] + ["r"])
    return SequenceSpace([list(c) for c in choices], names)


def _fbnet(reader: _Reader, family: Family) -> StoreContents:
    files: list[VerifiedFile] = []
    meta = reader.read(family.archs_file, files)
    archs = meta.get("arch") if isinstance(meta, dict) else None
    if not archs:
        raise UsageError(f"{family.archs_file}: expected a dict with an 'arch' list")
    codes = np.asarray([a["op_idx_list"] for a in archs], dtype=np.int16)
    names = np.asarray([a["arch_str"] for a in archs], dtype=object)
    if codes.shape != (len(archs), FBNET_LAYERS) or names.shape != codes.shape:
        raise UsageError(f"{family.archs_file}: expected {FBNET_LAYERS} block choices per architecture")
    if not np.all(np.asarray(FBNET_BLOCKS, dtype=object)[codes] == names):
        raise UsageError(f"{family.archs_file}: block names disagree with the FBNet block order {FBNET_BLOCKS}")
    space = fbnet_space()
    return _sequence_contents(
        family, space, space.validate(codes), lambda order: _latency_labels(reader, family, len(archs), files, order),
        files, f"{len(archs):,} FBNet architectures (22 layers x 9 blocks, CIFAR-100 network per HELP metainfo): "
               "inference latency on 27 HELP device settings (GPUs at batch 1/32/64)")


def _ofa(reader: _Reader, family: Family) -> StoreContents:
    files: list[VerifiedFile] = []
    meta = reader.read(family.archs_file, files)
    archs = meta.get("arch") if isinstance(meta, dict) else None
    if not archs:
        raise UsageError(f"{family.archs_file}: expected a dict with an 'arch' list")
    space = ofa_space()
    rows = [[str(int(v)) for v in [*a["ks"], *a["e"], *a["d"], a["r"]]] for a in archs]
    codes = space.to_codes([" ".join(r) for r in rows])
    depth = codes[:, 2 * OFA_LAYERS:2 * OFA_LAYERS + OFA_STAGES].astype(np.int64) + 2
    active = np.arange(4)[None, None, :] < depth[:, :, None]  # (n, stage, layer-in-stage)
    masked = np.where(np.tile(active.reshape(len(codes), OFA_LAYERS), 2), codes[:, :2 * OFA_LAYERS], -1)
    if len(np.unique(np.hstack([masked, codes[:, 2 * OFA_LAYERS:]]), axis=0)) != len(codes):
        raise UsageError(f"{family.archs_file}: two architectures differ only in inactive layers")
    return _sequence_contents(
        family, space, codes, lambda order: _latency_labels(reader, family, len(archs), files, order), files,
        f"{len(archs):,} Once-for-All MobileNetV3 subnets (ImageNet network per HELP ofa_archs): inference latency "
        "on 12 GPU settings (batch 1/32/64)")


def read(
    path: str | os.PathLike[str], allow_unknown: bool = False, only: set[str] | None = None
) -> list[StoreContents]:
    """``path``: HELP's ``data/`` folder (or a HELP checkout); families whose folder is absent are skipped
    unless named in ``only``."""
    reader = _Reader(data_root(path), allow_unknown)
    build = {"nasbench201": _nb201, "fbnet": _fbnet, "ofa": _ofa}
    out = []
    for family in FAMILIES:
        wanted = only is None or family.benchmark in only
        if wanted and (only is not None or (reader.root / family.folder).is_dir()):
            out.append(build[family.folder](reader, family))
    return out
