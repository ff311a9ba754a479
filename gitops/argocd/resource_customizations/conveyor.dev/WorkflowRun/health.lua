-- Argo CD health of a Conveyor WorkflowRun, from its kstatus conditions and phase: a run that is
-- still going is Progressing, one waiting for an approval is Suspended, a succeeded one Healthy, a
-- failed or cancelled one Degraded. Argo CD evaluates this with Lua 5.1 and `obj` set to the object.
local hs = { status = "Progressing", message = "Waiting for the Conveyor controller" }
if obj.status == nil then
  return hs
end
local status = obj.status
if obj.metadata ~= nil and obj.metadata.generation ~= nil and status.observedGeneration ~= nil
    and status.observedGeneration < obj.metadata.generation then
  hs.message = "The controller has not seen the latest spec yet"
  return hs
end
local ready, stalled
if status.conditions ~= nil then
  for _, c in ipairs(status.conditions) do
    if c.type == "Ready" then ready = c end
    if c.type == "Stalled" then stalled = c end
  end
end
local phase = status.phase or "Pending"
local progress = ""
if status.progress ~= nil and status.progress.summary ~= nil then
  progress = " (" .. status.progress.summary .. " steps)"
end
if phase == "Succeeded" or (ready ~= nil and ready.status == "True") then
  hs.status = "Healthy"
  hs.message = "Succeeded" .. progress
elseif phase == "Failed" or phase == "Cancelled" or (stalled ~= nil and stalled.status == "True") then
  hs.status = "Degraded"
  hs.message = phase .. ": " .. ((stalled and stalled.message) or status.message or "the run did not succeed")
elseif phase == "AwaitingApproval" then
  hs.status = "Suspended"
  hs.message = (ready and ready.message) or "Waiting for approval"
else
  hs.status = "Progressing"
  hs.message = phase .. progress
end
return hs
