{{/* Chart name, overridable. */}}
{{- define "conveyor.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Full name: RELEASE-conveyor, or the release name alone when it already says conveyor. */}}
{{- define "conveyor.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Labels of every object; objects add app.kubernetes.io/component themselves. */}}
{{- define "conveyor.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "conveyor.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: conveyor
{{- end -}}

{{/* The controller pods' selector: must never change between upgrades (Deployment selectors are immutable). */}}
{{- define "conveyor.selectorLabels" -}}
app.kubernetes.io/name: {{ include "conveyor.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: controller
{{- end -}}

{{- define "conveyor.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "conveyor.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The runner ServiceAccount name, or "" when step pods keep their namespace's default. */}}
{{- define "conveyor.runnerServiceAccountName" -}}
{{- if .Values.runner.serviceAccount.create -}}
{{- default "conveyor-runner" .Values.runner.serviceAccount.name -}}
{{- else -}}
{{- .Values.runner.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Namespaces that get the runner ServiceAccount, as a JSON list (templates cannot return lists). */}}
{{- define "conveyor.runnerNamespaces" -}}
{{- $ns := .Values.runner.serviceAccount.namespaces -}}
{{- if not $ns -}}{{- $ns = .Values.watchNamespaces -}}{{- end -}}
{{- if not $ns -}}{{- $ns = list .Release.Namespace -}}{{- end -}}
{{- toJson $ns -}}
{{- end -}}

{{/*
The controller's API rights, shared by the ClusterRole (all namespaces) and the per-namespace Roles.
Exactly what src/controller does; no wildcards, and nothing on Secrets: steps get Secrets through
envFrom in their own pods, which the kubelet resolves with no right of the controller.
*/}}
{{- define "conveyor.controllerRules" -}}
# Informers on Workflows and WorkflowRuns; status written through the status subresource only
# (the controller never changes spec, which belongs to users and GitOps tools).
- apiGroups: ["conveyor.dev"]
  resources: ["workflows", "workflowruns"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["conveyor.dev"]
  resources: ["workflows/status", "workflowruns/status"]
  verbs: ["patch"]
# Schedules create runs (recording the controller as their creator for the approval policy);
# finished runs past a Workflow's `history` limits, and runs a `Replace` schedule supersedes, are
# deleted. The controller never patches or updates a run's spec.
- apiGroups: ["conveyor.dev"]
  resources: ["workflowruns"]
  verbs: ["create", "delete"]
# The custom verb the step-objects admission policy asks for: only who holds it creates Jobs and pods
# labelled conveyor.dev/run (no role for people has it). It grants nothing else.
- apiGroups: ["conveyor.dev"]
  resources: ["workflowruns"]
  verbs: ["run-steps"]
# One Job per step attempt: watched (label-selected informer), read when a name is taken, created,
# deleted on cancel/cleanup. The controller manages its Jobs (spec.managedBy): it writes their final
# status, and creates, reads and (past their deadline, or orphaned) deletes their pods; pods are
# watched to observe how steps end (exit codes, image pulls, OOM).
- apiGroups: ["batch"]
  resources: ["jobs"]
  verbs: ["get", "list", "watch", "create", "delete"]
- apiGroups: ["batch"]
  resources: ["jobs/status"]
  verbs: ["patch"]
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch", "create", "delete"]
- apiGroups: [""]
  resources: ["pods/log"]
  verbs: ["get"]
# The workflow a run pinned at start is kept in a ConfigMap owned by the run.
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get", "create"]
# Kubernetes Events on runs (kubectl describe wfr); patch aggregates repeats into one Event. List
# and watch (field-selected to the Job controller's FailedCreate Events) say why a step Job has no
# pod (a ResourceQuota, a LimitRange, a policy) instead of showing the step as running.
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch", "list", "watch"]
{{- end -}}

{{/* "true" when the API server serves MutatingAdmissionPolicy v1 (GA in Kubernetes 1.36), else empty. */}}
{{- define "conveyor.hasCreatedByPolicyApi" -}}
{{- if .Capabilities.APIVersions.Has "admissionregistration.k8s.io/v1/MutatingAdmissionPolicy" -}}true{{- end -}}
{{- end -}}
