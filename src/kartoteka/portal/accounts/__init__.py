"""The portal's sign-in side: invitations, sign-in, registration, password reset, profile,
and the staff's pages for portal roles, settings and a contact's login."""
