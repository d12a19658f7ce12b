"""Accounts and bodies (administrators)."""
from flask import jsonify

from ..services import accounts, bodies
from ..services.permissions import require
from . import api_bp, caller, json_body
from ..presentation.json import body_json, user_json


@api_bp.get("/users")
def list_users():
    return jsonify({"items": [user_json(u) for u in accounts.list_users(caller())]})


@api_bp.post("/users")
def create_user():
    data = json_body()
    user = accounts.create_user(caller(), username=data.get("username"), full_name=data.get("full_name"),
                                password=data.get("password"), roles=data.get("roles", ["member"]),
                                position=data.get("position", ""), email=data.get("email", ""))
    return jsonify(user_json(user)), 201


@api_bp.get("/users/<int:user_id>")
def get_user(user_id):
    require(caller(), "user.list")
    return jsonify(user_json(accounts.get_user(user_id)))


@api_bp.patch("/users/<int:user_id>")
def update_user(user_id):
    data = json_body()
    require(caller(), "user.manage")
    user = accounts.update_user(caller(), accounts.get_user(user_id), data)
    return jsonify(user_json(user))


@api_bp.get("/bodies")
def list_bodies():
    return jsonify({"items": [body_json(b) for b in bodies.list_bodies()]})


@api_bp.post("/bodies")
def create_body():
    data = json_body()
    body = bodies.create_body(caller(), name=data.get("name"), short_name=data.get("short_name", ""))
    return jsonify(body_json(body)), 201


@api_bp.get("/bodies/<int:body_id>")
def get_body(body_id):
    return jsonify(body_json(bodies.get_body(body_id)))


@api_bp.patch("/bodies/<int:body_id>")
def update_body(body_id):
    data = json_body()
    require(caller(), "body.manage")
    body = bodies.update_body(caller(), bodies.get_body(body_id), data)
    return jsonify(body_json(body))


@api_bp.post("/bodies/<int:body_id>/members")
def add_body_member(body_id):
    data = json_body()
    require(caller(), "body.manage")
    body = bodies.get_body(body_id)
    bodies.add_member(caller(), body, data.get("user_id"), data.get("title", ""))
    return jsonify(body_json(body)), 201


@api_bp.delete("/bodies/<int:body_id>/members/<int:user_id>")
def remove_body_member(body_id, user_id):
    require(caller(), "body.manage")
    bodies.remove_member(caller(), bodies.get_body(body_id), user_id)
    return "", 204
