"""Keys the webhook relay signs with (rotated by hand, see RUNBOOK)."""

RELAY_PRIVATE_KEY = (
    {{P:private_key:pem_python_concat}}
)
