"""When and how the assistant hands a conversation over: the rules of `config/escalation.yml`
(`config`), the keyword matcher for sensitive topics (`keywords`) and the check of its teams against
the live chat's (`teams`). Builds on the shared core and the hand-over contract's priorities; the
NLU components and the actions use it."""
