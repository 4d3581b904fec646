"""`studio keys set|list|delete PROVIDER`: API keys in the system keyring, never on screen.

A key is read without echo and never printed back; `list` says which keys are set and where
(keyring or environment), not what they are. Without a keyring backend the command says to use
the environment variable instead; it never falls back to a plaintext file.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from studio.cli import EXIT_BAD_INPUT, EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    from studio.providers.keys import KEY_ENV_VARS

    names = sorted(KEY_ENV_VARS)
    parser = subparsers.add_parser(
        "keys",
        help="store, list or delete provider API keys",
        description="API keys live in the system keyring; "
        "environment variables are read when the keyring has none.",
    )
    actions = parser.add_subparsers(dest="keys_action", metavar="ACTION")
    set_parser = actions.add_parser("set", help="store a key in the keyring (typed, not shown)")
    set_parser.add_argument(
        "provider", choices=names, metavar="PROVIDER", help=f"one of: {', '.join(names)}"
    )
    actions.add_parser("list", help="which keys are set, and where (never their values)")
    delete_parser = actions.add_parser("delete", help="remove a key from the keyring")
    delete_parser.add_argument(
        "provider", choices=names, metavar="PROVIDER", help=f"one of: {', '.join(names)}"
    )
    parser.set_defaults(handler=run_keys, keys_parser=parser)


def run_keys(args: argparse.Namespace) -> int:
    action = getattr(args, "keys_action", None)
    if action == "set":
        return set_key(args.provider)
    if action == "delete":
        return delete_key(args.provider)
    if action == "list" or action is None:
        return list_keys()
    args.keys_parser.print_help(sys.stderr)
    return EXIT_BAD_INPUT


def set_key(provider: str) -> int:
    from studio.providers import keys

    value = getpass.getpass(f"{provider} key (typing is not shown): ")
    keys.set_key(provider, value)  # a KeyStoreError becomes one line at the CLI's edge
    print(f"stored the {provider} key in the keyring")
    env = keys.KEY_ENV_VARS[provider]
    import os

    if os.environ.get(env):
        print(f"note: the keyring key is used before {env}, which is also set")
    return EXIT_OK


def delete_key(provider: str) -> int:
    import os

    from studio.providers import keys

    removed = keys.delete_key(provider)
    print(
        f"removed the {provider} key from the keyring"
        if removed
        else f"the keyring had no {provider} key"
    )
    env = keys.KEY_ENV_VARS[provider]
    if os.environ.get(env):
        print(f"note: {env} is still set in your environment, so {provider} still has a key")
    return EXIT_OK


def list_keys() -> int:
    from studio.providers import keys

    usable, words = keys.keyring_status()
    print(
        words
        if not usable
        else f"keys: keyring first ({words.removeprefix('keyring: ')}), then environment variables"
    )
    width = max(len(name) for name in keys.KEY_ENV_VARS)
    for provider in sorted(keys.KEY_ENV_VARS):
        status = keys.key_status(provider)
        hint = "" if status.present else f"  ({keys.how_to_set(provider)})"
        print(f"  {provider:<{width}}  {status.describe()}{hint}")
    return EXIT_OK
