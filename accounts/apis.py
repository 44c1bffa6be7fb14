from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.services import user_create, user_token


class SignupApi(APIView):
    permission_classes = [AllowAny]

    class SignupInputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        email = serializers.EmailField()
        password = serializers.CharField(min_length=8, write_only=True)
        role = serializers.ChoiceField(choices=User.Role.choices, default=User.Role.SHOPPER)

        def validate_username(self, value):
            if User.objects.filter(username=value).exists():
                raise serializers.ValidationError("This username is taken.")
            return value

    @extend_schema(request=SignupInputSerializer, responses={201: dict})
    def post(self, request):
        data = self.SignupInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = user_create(**data.validated_data)
        return Response(
            {"id": user.id, "username": user.username, "role": user.role, "token": user_token(user=user)}, status=201
        )


class TokenApi(APIView):
    """Exchange username and password for the API token (send it as `Authorization: Token <key>`)."""

    permission_classes = [AllowAny]

    class TokenInputSerializer(serializers.Serializer):
        username = serializers.CharField()
        password = serializers.CharField(write_only=True)

    @extend_schema(request=TokenInputSerializer, responses={200: dict})
    def post(self, request):
        data = self.TokenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request, **data.validated_data)
        if user is None:
            return Response({"detail": "Wrong username or password."}, status=status.HTTP_400_BAD_REQUEST)
        return Response({"token": user_token(user=user), "role": user.role})


class MeApi(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request):
        u = request.user
        return Response({"id": u.id, "username": u.username, "email": u.email, "role": u.role})
