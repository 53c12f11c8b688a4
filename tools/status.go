package tools

import (
	"context"
	"fmt"
	"slices"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/gen/views"
)

// unitsShown is how many containers (tasks) of one service an answer lists at first; the
// ones in trouble come first. Fewer are shown when the answer would pass MaxText.
const unitsShown = 10

// GetStackStatus implements get_stack_status: what runs for a stack, and one verdict.
func GetStackStatus(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
	const tool = "get_stack_status"
	id, err := a.Int("stack_id")
	if err != nil {
		return ArgError(tool, err), nil
	}
	st, res := d.dockerStack(ctx, tool, id)
	if res != nil {
		return res, nil
	}
	sn, res := d.read(ctx, tool, st, "")
	if res != nil {
		return res, nil
	}
	return statusResult(sn, d.stackScrubber(st))
}

// dockerStack reads a stack whose containers these tools can read: a compose or swarm stack.
func (d *Deps) dockerStack(ctx context.Context, tool string, id int) (*papi.Stack, *mcp.CallToolResult) {
	st, res := getStack(ctx, d, tool, id)
	if res != nil {
		return nil, res
	}
	if deref(st.Type) == papi.StackTypeKubernetes {
		return nil, ArgError(tool, fmt.Errorf("stack %d (%s) is a Kubernetes stack: this tool reads Docker compose and swarm stacks only", id, deref(st.Name)))
	}
	return st, nil
}

// statusView is the answer of get_stack_status, each service listing at most perService units.
func statusView(sn *stackState, perService int) views.StackStatusView {
	verdict, reasons := sn.judge()
	v := views.StackStatusView{StackId: deref(sn.st.Id), Name: deref(sn.st.Name), Type: stackTypeName(sn.st.Type),
		Status: opt(stackStatusName(sn.st.Status)), Verdict: verdict, Services: []views.ServiceStatus{}}
	if len(reasons) > 0 {
		v.Reasons = &reasons
	}
	for _, s := range sn.services {
		sv, _ := sn.judgeService(s)
		out := views.ServiceStatus{Name: s.name, Verdict: sv}
		if s.desired >= 0 {
			out.Desired = ptr(s.desired)
		}
		if len(s.ports) > 0 {
			out.Ports = ptr(slices.Clone(s.ports))
		}
		units := slices.Clone(s.units)
		slices.SortStableFunc(units, func(a, b unit) int {
			ca, _ := sn.condition(&a)
			cb, _ := sn.condition(&b)
			return int(cb) - int(ca) // trouble first
		})
		for i := range units {
			if units[i].state == "running" {
				out.Running++
			}
		}
		shown := units[:min(len(units), perService)]
		if len(shown) > 0 {
			list := make([]views.UnitStatus, 0, len(shown))
			for i := range shown {
				list = append(list, unitView(&shown[i]))
			}
			out.Units = &list
		}
		if n := len(units) - len(shown); n > 0 {
			out.NotShown = ptr(n)
		}
		v.Services = append(v.Services, out)
	}
	if sn.partial > 0 {
		v.Note = ptr(fmt.Sprintf("The stack has more than %d containers: restart counts and health of %d of them come from Docker's list only.", inspectLimit, sn.partial))
	}
	return v
}

// statusResult encodes the status, listing fewer units per service until it fits an answer.
func statusResult(sn *stackState, scrub *Scrubber) (*mcp.CallToolResult, error) {
	for per := unitsShown; ; per /= 2 {
		v := statusView(sn, per)
		raw, err := encodeJSON(v)
		if err != nil {
			return nil, err
		}
		if len(raw) <= MaxText-500 || per == 0 {
			if per < unitsShown {
				note := fmt.Sprintf("Services list at most %d containers each (those in trouble first) to keep the answer short; get_stack_logs reads one service.", per)
				if v.Note != nil {
					note = *v.Note + " " + note
				}
				v.Note = &note
				if raw, err = encodeJSON(v); err != nil {
					return nil, err
				}
			}
			return scrub.Result(rawResult(raw, string(raw))), nil
		}
	}
}
