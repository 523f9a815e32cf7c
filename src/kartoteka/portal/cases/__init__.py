"""The cases side of the customer portal: the cases, a case, a new case, shared documents."""
