-- Argo CD health of a Conveyor Workflow: Healthy once the controller validated the current spec,
-- Degraded when it is invalid (the message says what is wrong), Progressing until then.
local hs = { status = "Progressing", message = "Waiting for the Conveyor controller to validate the workflow" }
if obj.status == nil or obj.status.conditions == nil then
  return hs
end
if obj.metadata ~= nil and obj.metadata.generation ~= nil and obj.status.observedGeneration ~= nil
    and obj.status.observedGeneration < obj.metadata.generation then
  return hs
end
for _, c in ipairs(obj.status.conditions) do
  if c.type == "Ready" and c.status == "True" then
    hs.status = "Healthy"
    hs.message = c.message or "Valid"
    return hs
  end
  if c.type == "Stalled" and c.status == "True" then
    hs.status = "Degraded"
    hs.message = c.message or "Invalid workflow"
    return hs
  end
end
return hs
