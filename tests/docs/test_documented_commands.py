"""Every shell command in README.md and docs/**/*.md runs, as written, and succeeds.

Commands are taken from ```bash / ```sh / ```shell / ```console blocks (``$ `` prompts anywhere).
Each runs offline (network connections raise) in a temporary data home into which every dataset's
generated fixture was ingested through the real ingest path, with a catalog whose pins are the
fixtures' hashes; the embedded ``sample`` needs nothing. A command that needs what a test cannot
have (real data, the network, a fresh virtual environment) is rewritten by :data:`SUBSTITUTIONS`,
a table whose every entry must be used by some documented command (so it cannot go stale) and
whose every rewrite is visible in the test id. Nothing is skipped: a command no runner knows
fails the test.
"""

from __future__ import annotations

import copy
import hashlib
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from mer_datasets.catalog import catalog_from_entries, read_document
from mer_datasets.cli import main
from mer_datasets.download.store import ingest_dataset
from mer_datasets.loaders.base import find_member
from mer_datasets.resources import catalog_path
from tests.conftest import FIXTURES

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").rglob("*.md"))]
SHELL_LANGUAGES = {"bash", "sh", "shell", "console", "shell-session"}
FENCE = re.compile(r"^\s*(```+|~~~+)\s*([\w-]*)")


@dataclass(frozen=True)
class Substitution:
    """``pattern`` (a regex over one step, e.g. ``mer-datasets download trompa-mer``) becomes
    ``replacement`` (``{fixtures}``/``{mirror}``/``{python}`` filled in); None: the step is done
    by the test environment itself (``reason`` says why), which the test asserts is true."""

    name: str
    pattern: str
    replacement: str | None
    reason: str


SUBSTITUTIONS: tuple[Substitution, ...] = (
    Substitution(
        "venv",
        r"^python3? -m venv \.venv$",
        None,
        "the test already runs inside a virtual environment with the package installed",
    ),
    Substitution(
        "install",
        r"^\.venv/bin/pip install (\.|-e '?\.\[test\]'?)$",
        None,
        "the test already runs with the package (and its test extras) installed",
    ),
    Substitution(
        "venv-bin",
        r"^\.venv/bin/mer-datasets\b",
        "mer-datasets",
        "the installed command is the one under test",
    ),
    Substitution(
        "test-suite",
        r"^\.venv/bin/python -m pytest -q( -m 'slow or not slow')?$",
        "{python} -m pytest -q --collect-only -p no:cacheprovider -m 'slow or not slow'",
        "running the whole suite inside itself would recurse: every test module must import "
        "and every test collect",
    ),
    Substitution(
        "gated-files",
        r"~/Downloads/deap",
        "{fixtures}/deap",
        "the DEAP files are gated (EULA): the generated fixture stands in for the download",
    ),
    Substitution(
        "network-download",
        r"^mer-datasets download (\S+)$",
        r"mer-datasets download \1 --mirror {mirror}",
        "no network in tests: a local mirror of the fixtures answers instead of the catalog URL",
    ),
)


#: Shell syntax beyond ``&&`` (pipes, redirections, sequences, subshells): such a command runs
#: whole through bash, with the installed ``mer-datasets`` first on PATH and offline mode on.
SHELL_OPERATORS = {";", "|", "||", "&", ">", ">>", "<", "(", ")", "<<", ">&", "|&"}


@dataclass(frozen=True)
class Command:
    document: str
    line: int
    text: str
    #: Earlier commands of the same block that write files (``printf ... > ratings.csv``): a guide
    #: may create a file and read it on the next line, so they run first, in the same folder.
    setup: tuple[str, ...] = ()

    def _tokens(self) -> list[str]:
        lexer = shlex.shlex(self.text, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        return list(lexer)

    @property
    def needs_shell(self) -> bool:
        return any(t in SHELL_OPERATORS for t in self._tokens()) or "$(" in self.text

    @property
    def steps(self) -> list[str]:
        """The ``&&``-joined steps, each re-quoted, comments dropped (or the whole text, when it
        needs a shell)."""
        if self.needs_shell:
            return [self.text]
        steps: list[list[str]] = [[]]
        for token in self._tokens():
            if token == "&&":
                steps.append([])
            else:
                steps[-1].append(token)
        return [shlex.join(step) for step in steps if step]


def documented_commands(path: Path) -> list[Command]:
    """The shell commands of one markdown file, in order (continuation lines joined)."""
    commands: list[Command] = []
    language: str | None = None
    fence = ""
    pending, start = "", 0
    writers: list[str] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = FENCE.match(line)
        if language is None:
            if match:
                fence, language = match.group(1), match.group(2).lower()
            continue
        if match and match.group(1).startswith(fence) and not match.group(2):
            language, writers = None, []
            continue
        text = line.strip()
        if text.startswith("$ "):
            text = text[2:]
        elif language not in SHELL_LANGUAGES or language == "console":
            continue  # output lines of a console block, or a non-shell block without a prompt
        if not text or text.startswith("#"):
            continue
        if not pending:
            start = number
        if text.endswith("\\"):
            pending += text[:-1] + " "
            continue
        relative = str(path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path)
        command = Command(relative, start, pending + text, tuple(writers))
        commands.append(command)
        if command.needs_shell and {">", ">>"} & set(command._tokens()):
            writers.append(command.text)
        pending = ""
    return commands


ALL_COMMANDS = [command for path in DOCUMENTS for command in documented_commands(path)]
#: Each distinct command once (README and getting-started share the install lines), first place.
DISTINCT_COMMANDS = list({c.text: c for c in reversed(ALL_COMMANDS)}.values())
DISTINCT_COMMANDS.sort(key=ALL_COMMANDS.index)


def _substituted(step: str, used: set[str] | None = None) -> str | None:
    for substitution in SUBSTITUTIONS:
        if re.search(substitution.pattern, step):
            if used is not None:
                used.add(substitution.name)
            if substitution.replacement is None:
                return None
            step = re.sub(substitution.pattern, substitution.replacement, step)
    return step


# -- the environment: fixtures ingested into a data home, a fixture mirror, no network ---------


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _fixture_entries() -> list[dict]:
    """The packaged catalog with every fixtured dataset's pins replaced by its fixture's hashes."""
    entries = copy.deepcopy(read_document(catalog_path())["datasets"])
    for entry in entries:
        root = FIXTURES / entry["id"]
        if not root.is_dir():
            continue
        for version in entry.get("versions", []):
            for remote in version.get("remotes", []):
                members = [remote] if remote["kind"] == "file" else remote["members"]
                for member in members:
                    if "directory" in member:  # unpinned folder: trusted on first use
                        continue
                    found = find_member(root, member["path"])
                    if found is not None:
                        member.update(
                            sha256=_sha256(found), size=found.stat().st_size,
                            checksum_source="official",
                        )  # fmt: skip
                if remote["kind"] != "file":
                    remote.update(sha256=None, size=None, checksum_source="unknown")
    return entries


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A data home holding every fixture (ingested), a fixture mirror, and the fixture catalog."""
    entries = _fixture_entries()
    catalog = catalog_from_entries(entries, source="documented-commands fixture catalog")
    root = tmp_path_factory.mktemp("documented")
    home, mirror = root / "home", root / "mirror"
    for info in catalog:
        fixture = FIXTURES / info.id
        if not fixture.is_dir():
            continue
        for version in info.versions:
            if version.loader:
                ingest_dataset(info, fixture, version.version, data_home=home)
            for remote in version.remotes:
                found = find_member(fixture, remote.path) if remote.kind == "file" else None
                if found is not None:
                    (mirror / info.id).mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(found, mirror / info.id / remote.filename)
    return {"catalog": catalog, "home": home, "mirror": mirror, "root": root}


def _no_network(*args: object, **kwargs: object) -> None:
    raise OSError("network access in a documented-commands test (use a substitution)")


def _run_step(
    step: str, environment: dict, capsys: pytest.CaptureFixture, shell: bool
) -> tuple[int, str]:
    if shell:
        bin_dir = str(Path(sys.executable).parent)
        env = {
            **os.environ,
            "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
            "MER_DATASETS_HOME": str(environment["home"]),
            "MER_DATASETS_OFFLINE": "1",
        }
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", step], capture_output=True, text=True,
            timeout=600, check=False, env=env, cwd=Path.cwd(),
        )  # fmt: skip
        return result.returncode, result.stdout[-3000:] + result.stderr[-3000:]
    argv = shlex.split(step)
    if argv[0] == "mer-datasets":
        code = main(argv[1:])
        captured = capsys.readouterr()
        return code, captured.out + captured.err
    if argv[0] == sys.executable and argv[1:3] == ["-m", "pytest"]:
        result = subprocess.run(
            argv, cwd=REPO_ROOT, capture_output=True, text=True, timeout=600, check=False
        )
        return result.returncode, result.stdout[-3000:] + result.stderr[-3000:]
    raise AssertionError(f"no runner for {step!r}: run it, or add a substitution that explains")


def test_the_documents_hold_commands_and_every_document_with_shell_blocks_is_read():
    assert any(c.document == "README.md" for c in ALL_COMMANDS)
    for path in DOCUMENTS:
        text = path.read_text(encoding="utf-8")
        if re.search(r"^\s*```(bash|sh|shell|console)\s*$", text, flags=re.MULTILINE):
            assert documented_commands(path), f"{path} has shell blocks but no command was found"


def test_every_substitution_is_used_by_a_documented_command():
    used: set[str] = set()
    for command in ALL_COMMANDS:
        for step in command.steps:
            _substituted(step, used)
    unused = [s.name for s in SUBSTITUTIONS if s.name not in used]
    assert not unused, f"substitutions no documented command needs any more: {unused}"


def test_the_environment_really_provides_what_dropped_steps_promise():
    import importlib.util

    assert sys.prefix != sys.base_prefix, "the test is not running inside a virtual environment"
    assert importlib.util.find_spec("mer_datasets") is not None
    assert importlib.util.find_spec("pytest") is not None  # the test extras


@pytest.mark.parametrize(
    "command",
    DISTINCT_COMMANDS,
    ids=[f"{c.document}:{c.line}:{c.text.split(' #')[0][:60].strip()}" for c in DISTINCT_COMMANDS],
)
def test_documented_command_succeeds(command, environment, monkeypatch, tmp_path, capsys):
    import mer_datasets.catalog as catalog_module

    monkeypatch.setattr(catalog_module, "default_catalog", lambda: environment["catalog"])
    monkeypatch.setenv("MER_DATASETS_HOME", str(environment["home"]))
    monkeypatch.setattr(socket.socket, "connect", _no_network)
    monkeypatch.setattr(socket, "create_connection", _no_network)
    monkeypatch.chdir(tmp_path)  # relative --out paths land here
    for writer in command.setup:
        code, output = _run_step(writer, environment, capsys, True)
        assert code == 0, f"{command.document}: setup `{writer}` exited {code}:\n{output}"
    for step in command.steps:
        rewritten = _substituted(step)
        if rewritten is None:
            continue
        if rewritten != step:  # only a substitution has {placeholders}; JSON has braces
            rewritten = rewritten.format(
                fixtures=FIXTURES, mirror=environment["mirror"], python=sys.executable
            )
        code, output = _run_step(rewritten, environment, capsys, command.needs_shell)
        assert code == 0, (
            f"{command.document}:{command.line}: `{rewritten}` exited {code}:\n{output}"
        )
        assert "Traceback" not in output, output


def test_the_extractor_reads_prompts_continuations_and_comments_and_skips_output(tmp_path):
    page = tmp_path / "probe.md"
    page.write_text(
        "```bash\n# a comment\nmer-datasets list   # trailing comment\n"
        "mer-datasets agreement sample \\\n  --bootstrap 0\n```\n"
        "```console\n$ mer-datasets info sample\nid: sample (this is output)\n```\n"
        "```text\n$ mer-datasets stats sample\nnot a command\n```\n"
        "```python\nprint('not a shell command')\n```\n",
        encoding="utf-8",
    )
    commands = documented_commands(page)
    assert [c.text for c in commands] == [
        "mer-datasets list   # trailing comment",
        "mer-datasets agreement sample  --bootstrap 0",
        "mer-datasets info sample",
        "mer-datasets stats sample",
    ]
    assert [c.line for c in commands] == [3, 4, 8, 12]
    assert commands[0].steps == ["mer-datasets list"]
    assert Command("x", 1, "a b && c 'd e'").steps == ["a b", "c 'd e'"]
    piped = Command("x", 1, "printf 'a,b\\n' > f.csv; mer-datasets agreement f.csv  # note")
    assert piped.needs_shell and piped.steps == [piped.text]
    assert not Command("x", 1, "mer-datasets list  # a; b > c").needs_shell


def test_a_command_with_shell_syntax_runs_through_bash_with_the_installed_command(
    environment, monkeypatch, tmp_path, capsys
):
    monkeypatch.chdir(tmp_path)
    rows = "track_id,rater_id,value\\na,1,1\\na,2,2\\nb,1,3\\nb,2,3\\n"
    command = Command(
        "x", 1, f"printf '{rows}' > f.csv; mer-datasets agreement f.csv --bootstrap 0"
    )
    code, output = _run_step(command.steps[0], environment, capsys, command.needs_shell)
    assert code == 0, output
    assert "krippendorff_alpha" in output
