from rest_framework.authtoken.models import Token

from accounts.models import User


def user_create(*, username: str, email: str, password: str, role: str = User.Role.SHOPPER) -> User:
    user = User(username=username, email=email, role=role)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user


def user_token(*, user: User) -> str:
    token, _ = Token.objects.get_or_create(user=user)
    return token.key
