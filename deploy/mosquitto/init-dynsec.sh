#!/bin/sh
# First start: create the dynamic-security file with the admin the service uses to provision devices.
set -e
if [ ! -f /mosquitto/data/dynamic-security.json ]; then
  mosquitto_ctrl dynsec init /mosquitto/data/dynamic-security.json "$MQTT_ADMIN_USERNAME" "$MQTT_ADMIN_PASSWORD"
  chown mosquitto:mosquitto /mosquitto/data/dynamic-security.json
fi
exec /usr/sbin/mosquitto -c /mosquitto/config/mosquitto.conf
