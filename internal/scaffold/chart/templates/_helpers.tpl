{{/*
Named templates shared by the files of this folder. They all take the top-level
context (.) as their argument: {{ include "<CHARTNAME>.fullname" . }}.
*/}}

{{/*
<CHARTNAME>.name is the chart name, or .Values.nameOverride, cut to the 63
characters a label value may hold.
*/}}
{{- define "<CHARTNAME>.name" -}}
{{- .Values.nameOverride | default .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
<CHARTNAME>.fullname is the base name of every object of a release:
.Values.fullnameOverride if set, else "<release>-<name>", or just the release
name when it already contains the chart name. Object names are DNS labels, hence
the 63 characters.
*/}}
{{- define "<CHARTNAME>.fullname" -}}
{{- $fullname := .Values.fullnameOverride }}
{{- if not $fullname }}
{{- $name := .Values.nameOverride | default .Chart.Name }}
{{- $fullname = ternary .Release.Name (printf "%s-%s" .Release.Name $name) (contains $name .Release.Name) }}
{{- end }}
{{- $fullname | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
<CHARTNAME>.chart is "<chart>-<version>" for the helm.sh/chart label, where "+"
is not allowed.
*/}}
{{- define "<CHARTNAME>.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
<CHARTNAME>.selectorLabels select the pods of a release. Selectors cannot be
changed once a Deployment exists, so keep these stable.
*/}}
{{- define "<CHARTNAME>.selectorLabels" -}}
app.kubernetes.io/name: {{ include "<CHARTNAME>.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
<CHARTNAME>.labels are the recommended Kubernetes labels, put on every object.
*/}}
{{- define "<CHARTNAME>.labels" -}}
{{ include "<CHARTNAME>.selectorLabels" . }}
helm.sh/chart: {{ include "<CHARTNAME>.chart" . }}
{{- with .Chart.AppVersion }}
app.kubernetes.io/version: {{ . | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
<CHARTNAME>.serviceAccountName is the ServiceAccount the pods run as.
*/}}
{{- define "<CHARTNAME>.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- .Values.serviceAccount.name | default (include "<CHARTNAME>.fullname" .) }}
{{- else }}
{{- .Values.serviceAccount.name | default "default" }}
{{- end }}
{{- end }}
