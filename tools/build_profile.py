"""Build the CMYK press profile booklet ships, from Fogra's FOGRA39 characterization data.

PDF/X output names the printing condition it was made for and embeds a profile of it (its
output intent). The usual FOGRA39 profiles (ISO Coated v2, Coated FOGRA39) may not be shipped
under a free licence, but the measurements they are made from may: Debian's
`icc-profiles-free` ships FOGRA39L.ti3 under the Zlib licence. ArgyllCMS's `colprof` builds a
profile from it, as colord does for its CC0 profiles. Run this when the profile should change:

    apt-get install argyll icc-profiles-free
    python tools/build_profile.py           # writes booklet/press/profiles/booklet-fogra39.icc
    python tools/build_profile.py --check   # builds it again and compares, byte for byte

colprof's choices, and why:
  -qm      medium quality: tables of 17 points a side (to CMYK) and 9 (from it); on the
           colours booklet's layouts print within 3% ink of a high-quality build (1.5% on
           average), at 120 KB instead of 900 KB, and every PDF/X file embeds it
  -kr      black generation: a ramp from no black in the light tones to full black in the
           darkest (ArgyllCMS's default)
  -l330    total ink limit 330%, as ECI's ISO Coated v2 profile for the same condition
  -nc      leave the measurements out of the profile (data no colour converter reads)

colprof stamps the time it ran into the profile's header; that field is set to the data's own
date, so the same colprof gives the same bytes. colprof is AGPL-licensed; its output, the
profile, is not covered by that licence. The profile is FOGRA39L.ti3 altered (turned into a
profile), and says so in its description and copyright, as the Zlib licence asks.
"""

from __future__ import annotations

import argparse
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

DATA = Path("/usr/share/color/icc/FOGRA39L.ti3")
TARGET = Path(__file__).resolve().parent.parent / "booklet" / "press" / "profiles"
PROFILE = TARGET / "booklet-fogra39.icc"
COLPROF_VERSION = "2.3.1"  # the colprof that built the shipped profile (Debian's argyll)
DESCRIPTION = "booklet FOGRA39 (coated offset), built with ArgyllCMS from FOGRA39L.ti3"
COPYRIGHT = (
    "Built by booklet from FOGRA39L.ti3 (Fogra characterization data, as shipped by "
    "icc-profiles-free, Copyright Kai-Uwe Behrmann, Zlib licence); altered: not the original data"
)
OPTIONS = ("-qm", "-kr", "-l330", "-nc")
CREATED = (2006, 12, 1, 0, 0, 0)  # FOGRA39L.ti3's own date ("December 2006")


def colprof_version(colprof: str) -> str:
    """The version colprof states in its usage text (`Create ICC profile, Version 2.3.1`)."""
    done = subprocess.run([colprof], capture_output=True, text=True)
    for line in (done.stdout + done.stderr).splitlines():
        if "Version" in line:
            return line.rsplit("Version", 1)[1].strip()
    return "unknown"


def pinned(profile: bytes) -> bytes:
    """The profile with its header's creation date set to CREATED (bytes 24 to 35)."""
    if profile[36:40] != b"acsp":
        raise SystemExit("colprof did not write an ICC profile")
    return profile[:24] + struct.pack(">6H", *CREATED) + profile[36:]


def build(data: Path = DATA) -> bytes:
    """The profile's bytes, built by colprof in a scratch folder."""
    colprof = shutil.which("colprof")
    if colprof is None:
        raise SystemExit("colprof is not installed: apt-get install argyll")
    if not data.is_file():
        raise SystemExit(f"{data} is missing: apt-get install icc-profiles-free")
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch) / "fogra39"
        shutil.copyfile(data, work.with_suffix(".ti3"))
        subprocess.run(
            [colprof, *OPTIONS, "-D", DESCRIPTION, "-C", COPYRIGHT, str(work)],
            check=True,
            capture_output=True,
        )
        return pinned(work.with_suffix(".icc").read_bytes())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the shipped profile")
    parser.add_argument("--data", type=Path, default=DATA, help="the FOGRA39L.ti3 file")
    args = parser.parse_args(argv)
    profile = build(args.data)
    if args.check:
        same = PROFILE.read_bytes() == profile
        print("the same bytes" if same else "different from the shipped profile")
        return 0 if same else 1
    TARGET.mkdir(parents=True, exist_ok=True)
    PROFILE.write_bytes(profile)
    print(f"wrote {PROFILE} ({len(profile)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
