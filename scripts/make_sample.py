"""Generate the embedded synthetic ``sample`` dataset (TROMPA-MER raw format, no real listeners).

Run ``python scripts/make_sample.py`` to (re)write ``mer_datasets/sample_data/data/``; the output
is byte-for-byte deterministic (fixed seed), and tests regenerate it into a temporary folder and
compare. After a change, update the sha256/size pins of the ``sample`` catalog entry.

What the sample is made to show (all values are invented):

* 24 tracks, each with a "design" quadrant and a consensus strength: strong (most raters pick the
  design quadrant), moderate, or split (raters spread over two or more quadrants), so agreement
  statistics and consensus entropy have something to find;
* 30 participants with mother languages es, en, nl, pt, ar, zh and a few empty ones, some without
  birthplace, users listed once per other language (as in the real export);
* a few repeated judgments (the same participant on the same track again), one annotating
  participant absent from ``users``, and participant moods reported before annotating.

The emotion words of each quadrant follow the grouping of the ISMIR 2020 study (Gómez-Cañón et al.
2020): Q1 joy, surprise, power; Q2 anger, fear, tension; Q3 sadness, bitterness; Q4 peace,
tenderness, transcendence.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

SEED = 1161
N_TRACKS = 24
TRACKS_PER_RATER = 8
START_UNIX_S = 1_600_000_000  # 2020-09-13, arbitrary

WORDS_OF_QUADRANT = {
    1: ("joy", "surprise", "power"),
    2: ("anger", "fear", "tension"),
    3: ("sadness", "bitterness"),
    4: ("peace", "tenderness", "transcendence"),
}
#: quadrant -> (arousal, valence) signs (Russell: Q1 +/+, Q2 +/-, Q3 -/-, Q4 -/+)
SIGNS = {1: ("1", "1"), 2: ("1", "-1"), 3: ("-1", "-1"), 4: ("-1", "1")}
#: probability that a rater picks the track's design quadrant
CONSENSUS = {"strong": 0.9, "moderate": 0.65, "split": 0.4}
SELECTIONS = ("latam", "mid_east", "africa", "portuguese", "spanish", "choir")
#: (mother language, birthplace, other languages); "" = not given
PEOPLE = [
    ("es", "Spain", ["en", "ca"]),
    ("es", "Colombia", ["en"]),
    ("es", "Spain", []),
    ("es", "", ["fr"]),
    ("es", "Mexico", ["en"]),
    ("es", "Spain", ["ca"]),
    ("en", "United Kingdom", ["es"]),
    ("en", "United States", []),
    ("en", "", []),
    ("en", "India", ["hi"]),
    ("nl", "Netherlands", ["en", "de"]),
    ("nl", "Netherlands", ["en"]),
    ("nl", "", ["en", "fr"]),
    ("pt", "Brazil", ["es"]),
    ("pt", "Portugal", ["en"]),
    ("pt", "Brazil", []),
    ("ar", "Lebanon", ["en", "fr"]),
    ("ar", "Egypt", ["en"]),
    ("ar", "", []),
    ("zh", "China", ["en"]),
    ("zh", "Taiwan", ["en"]),
    ("zh", "China", []),
    ("", "", []),
    ("", "Spain", ["en"]),
    ("", "", ["es"]),
    ("ca", "Spain", ["es", "en"]),
    ("ca", "Spain", ["es"]),
    ("it", "Italy", ["en"]),
    ("el", "Greece", ["en"]),
]
#: the 30th participant annotates but is absent from ``users`` (as in the real export)
UNLISTED_USER = "3030"
N_REPEATS = 4
MOODS = ("relaxed", "neutral", "cheerful", "calm", "sad", "tense", "excited", "irritated", "bored")
FREE_MOODS = {
    "es": ["tranquilo", "alegre", "nostalgia"],
    "en": ["calm", "happy", "anxious"],
    "nl": ["rustig", "blij"],
    "pt": ["saudade", "feliz"],
    "ar": ["\u0633\u0639\u064a\u062f"],
    "zh": ["\u5e73\u9759", "\u5feb\u4e50"],
}
REASONS = (
    "",
    "Fast_tempo",
    "Minor_mode",
    "Major_mode,Harmony",
    "High_sound_level",
    "Changes_in_sound_level",
    "Melody_contour",
)
SUMMARY_HEADER = (
    "\tselection\tcdr_title_num\tcdr_track_num\tcomposer_name\tartist_name\ttrack_name\ttrack_id"
    "\tpopularity\tyear_rec\tdanceability\tenergy\tvalence\tkey\tloudness\tmode\tspeechiness"
    "\tacousticness\tinstrumentalness\tliveness\ttempo\tnorm_energy\tnorm_valence\tquadrant"
)


def _tracks(rng: random.Random) -> list[dict]:
    strengths = ["strong"] * 10 + ["moderate"] * 8 + ["split"] * 6
    rng.shuffle(strengths)
    tracks = []
    for i in range(N_TRACKS):
        quadrant = i % 4 + 1
        tracks.append(
            {
                "id": f"SYN{i // 6 + 1:04d}-{i % 6 + 1:04d}",
                "number": i + 1,
                "quadrant": quadrant,
                "strength": strengths[i],
                "selection": SELECTIONS[i % len(SELECTIONS)],
                # the split tracks' second pole: the quadrant across the valence axis
                "rival": {1: 2, 2: 1, 3: 4, 4: 3}[quadrant],
            }
        )
    return tracks


def _pick_quadrant(rng: random.Random, track: dict) -> int:
    if rng.random() < CONSENSUS[track["strength"]]:
        return track["quadrant"]
    if track["strength"] == "split" and rng.random() < 0.7:
        return track["rival"]
    return rng.choice([q for q in (1, 2, 3, 4) if q != track["quadrant"]])


def _annotation(rng: random.Random, user: str, track: dict, unix_s: int, language: str) -> dict:
    quadrant = _pick_quadrant(rng, track)
    arousal, valence = SIGNS[quadrant]
    if rng.random() < 0.08:  # an answer that is not coherent with the chosen word
        arousal = "-1" if arousal == "1" else "1"
    free = rng.choice(FREE_MOODS.get(language, [None])) if rng.random() < 0.4 else None
    return {
        "internalID": str(900 + track["number"] * 3 + rng.randint(0, 2)),
        "externalID": track["id"],
        "userId": user,
        "timestamp": str(unix_s),
        "freeMood": free,
        "valenceValue": valence,
        "valenceComment": rng.choice(REASONS),
        "arousalValue": arousal,
        "arousalComment": rng.choice(REASONS),
        "moodValue": rng.choice(WORDS_OF_QUADRANT[quadrant]),
        "moodComment": rng.choice(REASONS),
        "favSong": "1" if rng.random() < 0.45 else "0",
        "knownSong": "1" if rng.random() < 0.2 else "0",
        "annotationTime": str(rng.randint(25_000, 300_000)),
    }


def build(rng: random.Random) -> tuple[dict, str]:
    """The export document and the summary.csv text."""
    tracks = _tracks(rng)
    users, moods, annotations = [], [], []
    user_ids = [str(3001 + i) for i in range(len(PEOPLE))] + [UNLISTED_USER]
    clock = START_UNIX_S
    for uid, person in zip(user_ids, PEOPLE + [("es", "", [])]):
        language, birthplace, others = person
        clock += rng.randint(600, 86_400)
        if uid != UNLISTED_USER:
            for other in others or [None]:
                users.append(
                    {
                        "id": uid,
                        "timestamp": str(clock),
                        "motherLanguage": language,
                        "birthPlace": birthplace,
                        "otherLanguage": other,
                    }
                )
        if rng.random() < 0.4:
            moods.append(
                {
                    "userId": uid,
                    "moodDate": str(clock + 30),
                    "mood": rng.choice(MOODS),
                    "freeMood": rng.choice(FREE_MOODS.get(language, ["ok"])),
                }
            )
        for track in rng.sample(tracks, TRACKS_PER_RATER):
            clock += rng.randint(40, 400)
            annotations.append(_annotation(rng, uid, track, clock, language))
    for record in rng.sample(annotations, N_REPEATS):  # the same participant, the same track again
        clock += rng.randint(3_600, 864_000)
        track = next(t for t in tracks if t["id"] == record["externalID"])
        language = next((u["motherLanguage"] for u in users if u["id"] == record["userId"]), "")
        annotations.append(_annotation(rng, record["userId"], track, clock, language))
    document = {"annotations": annotations, "users": users, "moods": moods}
    return document, _summary(rng, tracks)


def _summary(rng: random.Random, tracks: list[dict]) -> str:
    lines = [SUMMARY_HEADER]
    for index, track in enumerate(tracks):
        arousal, valence = SIGNS[track["quadrant"]]
        norm_energy = float(arousal) * rng.uniform(0.05, 2.0)
        norm_valence = float(valence) * rng.uniform(0.05, 2.0)
        n = track["number"]
        cells = [
            str(index),
            track["selection"],
            track["id"][:7],
            track["id"],
            f"Composer {n:03d}",
            f"Artist {n:03d}" if n % 5 else "not found",
            f"Track {n:03d}",
            f"synthetic{n:013d}",
            str(rng.randint(0, 60)),
            str(rng.randint(1960, 2020)),
            f"{rng.random():.3f}",
            f"{min(max(0.5 + norm_energy / 4, 0), 1):.3f}",
            f"{min(max(0.5 + norm_valence / 4, 0), 1):.3f}",
            str(rng.randint(0, 11)),
            f"{-rng.uniform(3, 20):.3f}",
            str(rng.randint(0, 1)),
            f"{rng.random() / 10:.4f}",
            f"{rng.random():.3f}",
            f"{rng.random():.5f}",
            f"{rng.random() / 2:.4f}",
            f"{rng.uniform(60, 180):.3f}",
            repr(norm_energy),
            repr(norm_valence),
            str(track["quadrant"]),
        ]
        lines.append("\t".join(cells))
    return "\n".join(lines) + "\n"


EXPORT_PATH = "data/data_sample.json"
SUMMARY_PATH = "data/summary.csv"


def generate(out_dir: Path) -> list[Path]:
    """Write the sample's files under ``out_dir`` at their member paths; return their paths."""
    document, summary = build(random.Random(SEED))
    out_dir = Path(out_dir)
    export = out_dir / EXPORT_PATH
    export.parent.mkdir(parents=True, exist_ok=True)
    export.write_bytes(json.dumps(document, indent=4).encode("ascii"))
    table = out_dir / SUMMARY_PATH
    table.write_bytes(summary.encode("utf-8"))
    return [export, table]


def main() -> None:
    import hashlib

    target = Path(__file__).resolve().parents[1] / "mer_datasets" / "sample_data"
    for path in generate(target):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        print(f"{path.relative_to(target)}  {path.stat().st_size} bytes  sha256 {digest}")


if __name__ == "__main__":
    main()
