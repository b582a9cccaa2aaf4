-- governance.cunshe.io/TaskInbox: a copy of ../kstatus.lua (go test ./test/kstatus -update writes it).
-- Argo CD health of a governance.cunshe.io object, read as kstatus (Flux)
-- reads it, so that Argo CD and Flux agree (test/kstatus checks both on the
-- same objects): Current is Healthy, InProgress Progressing (Suspended for a
-- paused ListRollout), Failed Degraded. Every kind carries
-- status.observedGeneration and the conditions Ready, Reconciling and
-- Stalled, set from the operator's condition table (docs/kstatus.md).
local hs = {status = "Progressing", message = ""}

local function condition(conditions, type)
  for _, c in ipairs(conditions) do
    if c.type == type then
      return c
    end
  end
  return nil
end

if obj.metadata.deletionTimestamp ~= nil then
  hs.message = "删除中 / being deleted"
  return hs
end
local status = obj.status or {}
local generation = obj.metadata.generation
if generation ~= nil and status.observedGeneration ~= nil and status.observedGeneration ~= generation then
  hs.message = "operator 尚未处理最新的 spec / the operator has not observed generation " .. tostring(generation) .. " yet"
  return hs
end
local conditions = status.conditions or {}
for _, c in ipairs(conditions) do
  if c.type == "Reconciling" and c.status == "True" then
    hs.message = c.message or ""
    if obj.kind == "ListRollout" and c.reason == "Paused" then
      hs.status = "Suspended"
    end
    return hs
  end
  if c.type == "Stalled" and c.status == "True" then
    hs.status = "Degraded"
    hs.message = c.message or ""
    return hs
  end
end
local ready = condition(conditions, "Ready")
if ready == nil then
  hs.status = "Healthy"
  return hs
end
hs.message = ready.message or ""
if ready.status == "True" then
  hs.status = "Healthy"
end
return hs
