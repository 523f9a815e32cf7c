"""Kartoteka: a self-hosted CRM for companies whose customer work runs through email."""
