"""The portal's sign-in side: sign-in, invitation, registration, password reset, profile."""

urlpatterns: list = []
