// Sends identify calls, and one call of every other type, with Segment's analytics-node to the
// host given, the way an application does; prints {"sent": [messageIds], "failures": [...]}.
// Usage: node send.js HOST WRITE_KEY RUN IDENTIFIES
const { Analytics } = require('@segment/analytics-node')

const [host, writeKey, run, identifies] = process.argv.slice(2)
const analytics = new Analytics({ writeKey, host, flushAt: 20, flushInterval: 200, maxRetries: 2 })
const sent = []
const failures = []
analytics.on('error', (error) => failures.push(String(error.reason ?? error.code ?? error)))
const done = (err, ctx) => (err ? failures.push(String(err.reason ?? err)) : sent.push(ctx.event.messageId))

for (let i = 0; i < Number(identifies); i++) {
  analytics.identify(
    {
      userId: `node-${run}-${i}`,
      traits: {
        email: `user${i}@example.com`,
        first_name: 'Peter',
        last_name: `Gibbons ${i}`,
        logins: i,
        score: i + 0.25,
        verified: i % 3 === 0,
        created_at: 1700000000 + i,
        address: { city: `City ${i}`, postal_code: String(i).padStart(5, '0') },
        tags: [`t${i}`, 'beta'],
        unicode: `Zoë 東京 🚀 ${i}`,
      },
    },
    done
  )
}
const anonymousId = `node-${run}-visitor`
analytics.identify({ anonymousId, traits: { newsletter: true } }, done)
analytics.track({ userId: `node-${run}-0`, event: 'Plan Upgraded', properties: { to: 'pro' } }, done)
analytics.page({ userId: `node-${run}-0`, name: 'Pricing', properties: { path: '/pricing' } }, done)
analytics.screen({ userId: `node-${run}-0`, name: 'Settings' }, done)
analytics.group({ userId: `node-${run}-0`, groupId: `node-${run}-group`, traits: { plan: 'team' } }, done)
analytics.alias({ previousId: anonymousId, userId: `node-${run}-0` }, done)

analytics.closeAndFlush({ timeout: 30000 }).then(() => {
  console.log(JSON.stringify({ sent, failures }))
})
