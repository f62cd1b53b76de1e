import Testing
import TrafficSwitch

@Suite struct TrafficStatusTests {
    /// `show stat` as haproxy 2.6 prints it (columns cut after the ones read).
    static let csv = """
        # pxname,svname,qcur,status,weight,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,
        billing_front,FRONTEND,,OPEN,,0,40,0,1,2,0,
        billing,blue,0,UP,100,0,30,0,1,0,0,
        billing,green,0,DOWN 1/2,0,0,10,0,0,2,0,
        billing,BACKEND,0,UP,100,0,40,0,1,2,0,

        """

    @Test func showStatRowsAreFoundByProxyAndServer() throws {
        let stats = try HAProxyStats(csv: Self.csv)
        #expect(stats.rows.count == 4)
        #expect(stats.row(proxy: "billing", server: "green")?["status"] == "DOWN 1/2")
        #expect(stats.row(proxy: "billing", server: "green")?["hrsp_5xx"] == "2")
        #expect(stats.row(proxy: "billing", server: "purple") == nil)
        #expect(throws: TrafficSwitchError.self) { try HAProxyStats(csv: "Unknown command.\n") }
    }

    @Test func greenDeltaCountsSinceTheLastLookAndSurvivesARestart() throws {
        func status(_ responses: Int?, _ errors: Int?) -> TrafficStatus {
            let blue = BackendStatus(healthyTargets: 1, totalTargets: 1, states: ["UP"], responses: 0, serverErrors: 0)
            return TrafficStatus(blue: blue, green: BackendStatus(healthyTargets: 1, totalTargets: 1, states: ["UP"], responses: responses, serverErrors: errors))
        }
        let delta = try #require(status(150, 4).greenDelta(since: status(100, 1)))
        #expect(delta.requests == 50)
        #expect(delta.errors == 3)
        // The counters went down: the load balancer restarted, count from zero.
        let restarted = try #require(status(7, 0).greenDelta(since: status(100, 1)))
        #expect(restarted.requests == 7)
        #expect(restarted.errors == 0)
        // An ALB does not count responses here.
        #expect(status(nil, nil).greenDelta(since: status(nil, nil)) == nil)
        #expect(BackendStatus(healthyTargets: 0, totalTargets: 0, states: []).isHealthy == false)
        #expect(BackendStatus(healthyTargets: 1, totalTargets: 2, states: ["healthy", "unhealthy"]).isHealthy == false)
    }
}
