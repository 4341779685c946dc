{{- define "keel.fullname" -}}
{{ .Release.Name }}-{{ .Chart.Name }}
{{- end -}}
