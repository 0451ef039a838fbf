"""The `drover` console script and its headless commands.

``main`` builds the parser from ``COMMAND_MODULES``; each ``cmd_*`` module registers one or
more subcommands (login, sync, ls, tail, send/interrupt/approve/deny) whose bodies run inside
``common.command`` (context, log file, error rendering). Data flows as everywhere in drover:
commands read the mirror, refresh it through ``drover.sync`` and act through its outbox.
"""
