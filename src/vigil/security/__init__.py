"""Security building blocks: IAM-style policies, SigV4 verification, envelope encryption, audit.

One concept per module. The pure ones (no file, network, clock or environment: time and
randomness are arguments) sit at the core's layer; the ones that reach files, DNS, HTTP or a KMS
sit beside :mod:`vigil.storage` (see the import-linter layers in pyproject.toml)::

    policy            IAM-style policy documents and their evaluation (Deny wins, default deny)
    conditions        the Condition operators            patterns   wildcards and ${variables}
    actions           the vigil:* action catalog         managed_policies   persona policies
    sigv4             AWS Signature Version 4 verification          replay   the replay cache
    crypto            envelope encryption: AES-256-GCM chunked streams over a KeyProvider
    audit             the audit record hash chain and Ed25519-signed digests
    tokens            API tokens (scrypt-hashed) and SigV4 access keys
    pii               capture-time drop / mask / tokenize of CSV columns and JSON paths
    keys (I/O)        key providers: a local keyring file, AWS KMS
    outbound (I/O)    which URLs the service may fetch: allow-list, no internal addresses
    paths (I/O)       paths and URLs only under the configured storage roots, no symlink escape
    oidc (I/O)        OIDC bearer JWTs verified against the issuer's JWKS (PyJWT, httpx)
    errors            the errors of this package
"""
