"""Whether an environment may be deployed: outside a sandbox, no placeholder or permissive setting."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from stacks.config import ConfigError, EnvironmentConfig
from stacks.settings import ReadinessProblem


def refusal_message(env_name: str, problems: Sequence[ReadinessProblem]) -> str:
    """A headline, then one line per offending key (paths under `environments.<env>`) saying why."""
    lines = [f"  {problem.key}: {problem.reason}" for problem in problems]
    return "\n".join(
        [
            f"environment '{env_name}' is not a sandbox and {len(problems)} of its settings still hold "
            f"placeholders or allow everything; set each in environments.{env_name} before deploying it "
            '(only an environment marked "sandbox": true may keep them):',
            *lines,
        ]
    )


def ensure_deployable(config: EnvironmentConfig, workflows: Iterable[str] | None = None) -> None:
    """Raise ConfigError naming every offending key, unless the environment is a sandbox or has none."""
    if config.sandbox:
        return
    problems = config.readiness_problems(workflows)
    if problems:
        raise ConfigError(refusal_message(config.name, problems))
